/** A timestamptz column as ISO 8601 UTC with its microseconds (pg's Date would keep milliseconds). */
export const isoOf = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
