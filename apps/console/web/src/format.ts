const timeFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
const clockFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

export const time = (iso: string | null | undefined): string => (iso ? `${timeFormat.format(new Date(iso))} UTC` : '—');
export const clock = (iso: string): string => clockFormat.format(new Date(iso));

/** 42 s, 7 min, 3 h 05 min, 2 d 4 h. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export const ago = (iso: string | null | undefined, now = Date.now()): string => (iso ? `${duration((now - new Date(iso).getTime()) / 1000)} ago` : 'never');

export const count = (n: number): string => n.toLocaleString('en-GB');

/** `1 score`, `3 scores`. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`;
