/** A signed call is accepted only while its own timestamp is recent (and not from the future). */
export function isFresh(signedAt: Date, maxAgeSeconds: number, now = Date.now()): boolean {
  const age = (now - signedAt.getTime()) / 1000;
  return Number.isFinite(age) && age <= maxAgeSeconds && age >= -300;
}
