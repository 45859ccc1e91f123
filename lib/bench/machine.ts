/**
 * The machine a benchmark ran on: CPU model, cores, the SIMD/FMA flags that decide which
 * kernels native libraries pick, memory, and the load average (the machine may be shared, and
 * a load above the core count makes every timing slower).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, freemem, loadavg, totalmem } from 'node:os';

/** The CPU flags that matter for numeric kernels (XNNPACK, oneDNN, Eigen). */
const INTERESTING_FLAGS = /^(sse4_2|avx|avx2|fma|f16c|avx512\w*|amx\w*|avx_vnni)$/;

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  flags: string[];
  memoryGiB: number;
  freeMemoryGiB: number;
  /** 1, 5 and 15 minute load averages. */
  loadAverage: number[];
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    flags: cpuFlags(),
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemoryGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

function cpuFlags(): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return []; // not Linux: flags unknown
  }
  const line = text.split('\n').find((l) => /^(flags|Features)\s*:/.test(l)) ?? '';
  const all = line.replace(/^[^:]*:/, '').trim().split(/\s+/);
  return all.filter((f) => INTERESTING_FLAGS.test(f)).sort();
}
