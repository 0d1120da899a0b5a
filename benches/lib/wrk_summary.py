# wrk_summary.py WRK-OUTPUT...: for the outputs of wrk --latency runs at once, one line of
# tab-separated fields: successes/s summed over the files, the highest p50 and p99 (ms),
# successes, non-2xx answers, socket errors ("-" for none), then that p50 and p99 as wrk
# wrote them.
import re, sys
def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
rate = ok_all = bad_all = 0
p50 = p99 = (0.0, "?")
errors = []
for path in sys.argv[1:]:
    text = open(path).read()
    total, secs, unit = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text).groups()
    secs = float(secs) / (1000 if unit == "ms" else 1)
    bad = int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
    ok = int(total) - bad
    rate += ok / secs
    ok_all += ok
    bad_all += bad
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    p50, p99 = max(p50, (ms(lat["50"]), lat["50"])), max(p99, (ms(lat["99"]), lat["99"]))
    found = re.search(r"Socket errors: (.*)", text)
    if found:
        errors.append(found.group(1))
print(f"{rate:.0f}\t{p50[0]:.2f}\t{p99[0]:.2f}\t{ok_all}\t{bad_all}\t{'; '.join(errors) or '-'}\t{p50[1]}\t{p99[1]}")
