// Printed once per run so CI logs show which runtime the suites really ran on (the pinned Node 24).
export default function setup(): void {
  process.stdout.write(`weft tests: node ${process.version} (${process.execPath})\n`);
}
