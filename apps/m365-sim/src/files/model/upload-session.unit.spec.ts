import { acceptFragment, nextExpectedRanges, parseContentRange, UPLOAD_FRAGMENT_MULTIPLE, UploadSessionState } from './upload-session';

const K = UPLOAD_FRAGMENT_MULTIPLE;

function session(): UploadSessionState {
  return {
    id: 's1', tenantId: 't', driveId: 'd', parentId: 'p', name: 'a.bin', conflictBehavior: 'fail', received: 0,
    expiresAt: Date.parse('2030-01-01T00:00:00Z'), createdBy: { id: 'u', displayName: 'U' },
  };
}
const now = Date.parse('2026-01-01T00:00:00Z');

describe('upload session state machine', () => {
  it('parses Content-Range', () => {
    expect(parseContentRange('bytes 0-327679/1000000')).toEqual({ start: 0, end: 327679, total: 1000000 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 9, total: undefined });
    expect(parseContentRange('bytes 9-5/10')).toBeUndefined();
    expect(parseContentRange('0-5/10')).toBeUndefined();
  });

  it('accepts 3 x 320 KiB then a tail, reporting nextExpectedRanges', () => {
    const s = session();
    const total = 3 * K + 1000;
    for (let i = 0; i < 3; i++) {
      const d = acceptFragment(s, `bytes ${i * K}-${(i + 1) * K - 1}/${total}`, K, now);
      expect(d).toEqual({ kind: 'accepted', complete: false, nextExpectedRanges: [`${(i + 1) * K}-${total - 1}`] });
    }
    expect(acceptFragment(s, `bytes ${3 * K}-${total - 1}/${total}`, 1000, now)).toEqual({ kind: 'complete', total });
    expect(s.received).toBe(total);
  });

  it('answers 416 for an overlap or a gap and keeps its position', () => {
    const s = session();
    acceptFragment(s, `bytes 0-${K - 1}/${4 * K}`, K, now);
    const overlap = acceptFragment(s, `bytes ${K - 10}-${2 * K - 11}/${4 * K}`, K, now);
    expect(overlap).toMatchObject({ kind: 'error', status: 416 });
    const gap = acceptFragment(s, `bytes ${2 * K}-${3 * K - 1}/${4 * K}`, K, now);
    expect(gap).toMatchObject({ kind: 'error', status: 416 });
    expect(nextExpectedRanges(s)).toEqual([`${K}-${4 * K - 1}`]);
  });

  it('refuses fragments that are not 320 KiB multiples (except the last), too big, or mismatched', () => {
    const s = session();
    expect(acceptFragment(s, `bytes 0-999/${4 * K}`, 1000, now)).toMatchObject({ status: 400 });
    expect(acceptFragment(s, `bytes 0-${K - 1}/${4 * K}`, K - 1, now)).toMatchObject({ status: 400 });
    const big = 192 * K; // exactly 60 MiB
    expect(acceptFragment(s, `bytes 0-${big - 1}/${big * 2}`, big, now)).toMatchObject({ status: 413 });
    expect(acceptFragment(s, undefined, K, now)).toMatchObject({ status: 400 });
    acceptFragment(s, `bytes 0-${K - 1}/${4 * K}`, K, now);
    expect(acceptFragment(s, `bytes ${K}-${2 * K - 1}/${5 * K}`, K, now)).toMatchObject({ status: 400 });
    expect(s.received).toBe(K);
  });

  it('a single small fragment completes the upload; an expired session is gone', () => {
    expect(acceptFragment(session(), 'bytes 0-9/10', 10, now)).toEqual({ kind: 'complete', total: 10 });
    expect(acceptFragment(session(), 'bytes 0-9/10', 10, Date.parse('2031-01-01T00:00:00Z'))).toMatchObject({ status: 404 });
  });
});
