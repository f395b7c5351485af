// Deterministic data sets for tests and benchmarks (not used by the engine itself).
export { attachmentPool, buildMessage, mailSet, type Attachment, type MailSetOptions } from './mail-generator';
export { seededBytes } from './seeded-bytes';
