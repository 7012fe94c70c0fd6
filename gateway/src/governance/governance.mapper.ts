import { timestampDate, timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';

/** A proto timestamp as an ISO string; null when unset. */
export function isoOrNull(ts: Timestamp | undefined): string | null {
  return ts ? timestampDate(ts).toISOString() : null;
}

/** A proto timestamp the service always sets, as an ISO string (the epoch if it did not). */
export function iso(ts: Timestamp | undefined): string {
  return isoOrNull(ts) ?? new Date(0).toISOString();
}

/** An RFC 3339 string (validated by the DTO) as a proto timestamp; undefined when absent. */
export function toTimestamp(value: string | undefined): Timestamp | undefined {
  return value ? timestampFromDate(new Date(value)) : undefined;
}

/** Proto3 empty string → null, so clients see "not set" rather than "". */
export function orNull(value: string): string | null {
  return value || null;
}

/**
 * A lower-case API name ↔ proto enum codec. `byName` must list every API name (the Record type makes the
 * compiler check it); proto values without a name (UNSPECIFIED, newer values) read as 'unspecified'.
 */
export function enumCodec<N extends string, E extends number>(byName: Record<N, E>) {
  const names = Object.keys(byName) as N[];
  return {
    toProto: (name: N): E => byName[name],
    toName: (value: E): N | 'unspecified' => names.find((n) => byName[n] === value) ?? 'unspecified',
  };
}
