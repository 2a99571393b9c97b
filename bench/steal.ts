// The host's share of this machine's CPUs: on a virtual machine the hypervisor may run other
// guests on our CPUs while they have work ("steal", the eighth field of /proc/stat's cpu line, in
// clock ticks). A benchmark that reports it says how far its times were taken on a busy host.
import { readFileSync } from 'node:fs';

/** The cpu line of /proc/stat, summed over the CPUs: ticks stolen, and ticks the CPUs wanted (busy or stolen, not idle); null where there is no /proc/stat. */
function cpuTicks(): { steal: number; wanted: number } | null {
  try {
    const [name, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is within user)
    const f = fields.slice(0, 8).map(Number);
    if (name !== 'cpu' || f.length < 8 || f.some((x) => !Number.isFinite(x))) return null;
    const [user, nice, system, , , irq, softirq, steal] = f;
    return { steal, wanted: user + nice + system + irq + softirq + steal };
  } catch {
    return null;
  }
}

/**
 * Starts a meter: the returned function gives, since the start, the fraction of the time this
 * machine's CPUs had work that the host ran something else instead (0 on a machine of its own),
 * or null where /proc/stat is not readable.
 */
export function stealMeter(): () => number | null {
  const start = cpuTicks();
  return () => {
    const now = cpuTicks();
    if (!start || !now || now.wanted <= start.wanted) return null;
    return (now.steal - start.steal) / (now.wanted - start.wanted);
  };
}
