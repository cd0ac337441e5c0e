// Counts written for people ("1,000,000") without Intl: the first `toLocaleString` maps ~5 MB of ICU's locale
// data into the process for good, which a server would then hold for one line of help text
// (docs/performance.md, "What the idle server's memory is").

/** An integer with its thousands separated by commas, as `toLocaleString('en-US')` writes it. */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
