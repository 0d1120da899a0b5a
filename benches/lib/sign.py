# Signs KEYCTL1 requests for POST /v1/validate with an implementation of
# docs/spec/signer-protocol.md (KEYCTL1-HMAC-SHA256) independent of keyctl's code:
#   sign.py [--licenses N] ISSUED FIRST ROUNDS THREADS PREFIX...
# ISSUED is the output of `keyctl license issue --batch --out` (with --licenses, only its
# first N licenses are used). For each PREFIX (one wrk), ROUNDS rounds over every license,
# dated FIRST, FIRST + 1, ... (the next prefix continues the seconds), in THREADS files
# PREFIX.0 ... round-robin, one JSON body a line.
# A (license, datetime) pair is never signed twice, so no request is a replay.
import hashlib, hmac, itertools, json, sys, time

args = sys.argv[1:]
limit = None
if args[0] == "--licenses":
    limit, args = int(args[1]), args[2:]
issued, first, rounds, threads = args[0], int(args[1]), int(args[2]), int(args[3])
licenses = [json.loads(line) for line in itertools.islice(open(issued), limit)]
hashes = [hashlib.sha256(lic["jwt"].encode()).hexdigest() for lic in licenses]
keys = {}

def signing_key(secret, date, lid):
    k = keys.get((lid, date))
    if k is None:
        k = hmac.new(("KEYCTL1" + secret).encode(), date.encode(), hashlib.sha256).digest()
        k = hmac.new(k, lid.encode(), hashlib.sha256).digest()
        k = hmac.new(k, b"keyctl1_request", hashlib.sha256).digest()
        keys[(lid, date)] = k
    return k

second = first
for prefix in args[4:]:
    files = [open(f"{prefix}.{t}", "w") for t in range(threads)]
    i = 0
    for _ in range(rounds):
        dt = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        second += 1
        for lic, h in zip(licenses, hashes):
            sts = f"KEYCTL1-HMAC-SHA256\n{dt}\n{dt[:8]}/{lic['id']}/keyctl1_request\n{h}"
            sig = hmac.new(signing_key(lic["secret"], dt[:8], lic["id"]), sts.encode(), hashlib.sha256).hexdigest()
            body = json.dumps({"license": lic["jwt"], "datetime": dt, "signature": sig, "product": "app"},
                              separators=(",", ":"))
            files[i % threads].write(body + "\n")
            i += 1
    for f in files:
        f.close()
