import { ApiProperty } from '@nestjs/swagger';

export class DatabaseInfoDto {
  @ApiProperty({ example: 'holdfast' }) name!: string;
  @ApiProperty({ example: '15.8' }) serverVersion!: string;
}

export class SystemInfoDto {
  @ApiProperty({ example: 'holdfast' }) product!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ example: 'holdfast', description: 'Installation namespace (HOLDFAST_NAMESPACE)' }) namespace!: string;
  @ApiProperty({ type: [String], description: 'Service modules running in this process' }) services!: string[];
  @ApiProperty({ example: 'jetstream', description: 'Message bus: jetstream or in-process' }) bus!: string;
  @ApiProperty({ type: DatabaseInfoDto }) database!: DatabaseInfoDto;
  @ApiProperty({ example: 'v20.20.2' }) node!: string;
  @ApiProperty({ example: 120 }) uptimeSeconds!: number;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) time!: string;
}

export class ApiIndexDto {
  @ApiProperty({ example: 'holdfast' }) product!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
  @ApiProperty({ example: '/api/docs' }) docs!: string;
}

export class ErrorBodyDto {
  @ApiProperty({ example: 'unauthenticated' }) code!: string;
  @ApiProperty({ example: 'Invalid or revoked API token' }) message!: string;
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorBodyDto }) error!: ErrorBodyDto;
}
