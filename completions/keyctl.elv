
use builtin;
use str;

set edit:completion:arg-completer[keyctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'keyctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'keyctl'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create a store with a first signing key'
            cand key 'Manage signing keys'
            cand product 'Manage products'
            cand license 'Issue and manage licenses'
            cand verify 'Verify a license offline (exit code tells the outcome)'
            cand sign 'Sign a request for a license (KEYCTL1-HMAC-SHA256 or MIO4-HMAC-SHA256)'
            cand signer 'Run the request signer as an HTTP service beside the product'
            cand verify-request 'Check a signed request, then the license itself when keys are available'
            cand serve 'Run the validation and activation server'
            cand activation 'List and remove machine activations'
            cand machine 'Signed machine files for offline products, and air-gapped activation'
            cand status-list 'The signed status list: license standing for offline products'
            cand store 'Migrate a store''s schema, or copy a store into another'
            cand completions 'Print shell completions'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;init'= {
            cand --issuer 'The vendor name put in every license''s `iss` claim [default: keyctl]'
            cand --status-uri 'The status list URI licenses refer to (an https:// URL, or a path on the server) [default: /v1/status-list]'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --encrypt 'Encrypt the signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;key'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand generate 'Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)'
            cand list 'List keys'
            cand rotate 'Make a new key (or the trusted key KID) the active signing key; older keys stay trusted'
            cand retire 'Stop trusting a key: licenses it signed no longer verify'
            cand import 'Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key'
            cand export 'Export a key (default: the active key) as PEM, JWK or JWKS'
            cand encrypt 'Encrypt the store''s signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)'
            cand decrypt 'Store the signing keys in clear again (needs the passphrase)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;key;generate'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;key;list'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;key;rotate'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;key;retire'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;key;import'= {
            cand --passphrase-file 'The passphrase of an encrypted PEM file is in FILE [default: asked on the terminal]'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;key;export'= {
            cand --format 'Output format'
            cand --out 'Write to FILE instead of stdout'
            cand --passphrase-file 'Encrypt the private key PEM under the passphrase in FILE (implies --encrypt)'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --private 'Export the private key (written 0600 when --out is given)'
            cand --force 'Overwrite FILE if it exists'
            cand --encrypt 'Encrypt the private key PEM under a passphrase (asked on the terminal unless --passphrase-file)'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;key;encrypt'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;key;decrypt'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;key;help'= {
            cand generate 'Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)'
            cand list 'List keys'
            cand rotate 'Make a new key (or the trusted key KID) the active signing key; older keys stay trusted'
            cand retire 'Stop trusting a key: licenses it signed no longer verify'
            cand import 'Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key'
            cand export 'Export a key (default: the active key) as PEM, JWK or JWKS'
            cand encrypt 'Encrypt the store''s signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)'
            cand decrypt 'Store the signing keys in clear again (needs the passphrase)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;key;help;generate'= {
        }
        &'keyctl;key;help;list'= {
        }
        &'keyctl;key;help;rotate'= {
        }
        &'keyctl;key;help;retire'= {
        }
        &'keyctl;key;help;import'= {
        }
        &'keyctl;key;help;export'= {
        }
        &'keyctl;key;help;encrypt'= {
        }
        &'keyctl;key;help;decrypt'= {
        }
        &'keyctl;key;help;help'= {
        }
        &'keyctl;product'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add a product (it also gets the next sequential number)'
            cand list 'List products'
            cand show 'Show one product, by id or number'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;product;add'= {
            cand --name 'Display name'
            cand --support-message 'Message shown to users when activation fails'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;product;list'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;product;show'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;product;help'= {
            cand add 'Add a product (it also gets the next sequential number)'
            cand list 'List products'
            cand show 'Show one product, by id or number'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;product;help;add'= {
        }
        &'keyctl;product;help;list'= {
        }
        &'keyctl;product;help;show'= {
        }
        &'keyctl;product;help;help'= {
        }
        &'keyctl;license'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand issue 'Issue a license: prints its id, short key, JWT and signer secret'
            cand list 'List licenses'
            cand show 'Show a license by id or short key'
            cand revoke 'Revoke a license for good'
            cand suspend 'Suspend a license until it is reinstated'
            cand reinstate 'Lift a suspension'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;license;issue'= {
            cand --product 'A product the license covers (repeatable)'
            cand --licensee 'Customer name, e-mail or id'
            cand --expires 'Expiry: a duration (365d), a date (2027-12-31, end of day UTC) or RFC 3339 [default: never]'
            cand --not-before 'Start of validity: a duration, a date (start of day UTC) or RFC 3339'
            cand --activations 'Machines that may be activated, or -1 for unlimited [default: unlimited]'
            cand --domain 'A host the product may run on; *.example.com for subdomains (repeatable)'
            cand --feature 'An entitlement (repeatable)'
            cand --meta 'Vendor data, a JSON object'
            cand --batch 'Issue one license per row of FILE (CSV with a header row, or JSON Lines); `-` is stdin'
            cand --input-format 'Input format [default: csv for *.csv, else jsonl]'
            cand --rejects 'Where --skip-invalid writes refused rows (JSON Lines)'
            cand --out 'Write the issued licenses (with their secrets) to FILE, created 0600 [default: stdout]'
            cand --output-format 'Output format [default: csv for *.csv, else jsonl]'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --skip-invalid 'Issue the valid rows and write the invalid ones, with reasons, to --rejects'
            cand --skip-existing 'Skip the rows whose ref a license was already issued for (they are not output again)'
            cand --force 'Overwrite --out and --rejects if they exist'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;license;list'= {
            cand --product 'Only licenses covering this product'
            cand --status 'Only licenses in this standing'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;license;show'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --jwt 'Print only the JWT'
            cand --secret 'Print only the signer secret'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;license;revoke'= {
            cand --reason 'Why (shown by verify and the server)'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;license;suspend'= {
            cand --reason 'Why (shown by verify and the server)'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;license;reinstate'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;license;help'= {
            cand issue 'Issue a license: prints its id, short key, JWT and signer secret'
            cand list 'List licenses'
            cand show 'Show a license by id or short key'
            cand revoke 'Revoke a license for good'
            cand suspend 'Suspend a license until it is reinstated'
            cand reinstate 'Lift a suspension'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;license;help;issue'= {
        }
        &'keyctl;license;help;list'= {
        }
        &'keyctl;license;help;show'= {
        }
        &'keyctl;license;help;revoke'= {
        }
        &'keyctl;license;help;suspend'= {
        }
        &'keyctl;license;help;reinstate'= {
        }
        &'keyctl;license;help;help'= {
        }
        &'keyctl;verify'= {
            cand --public-key 'Trust this public key (SPKI PEM or JWK); skips the store (repeatable)'
            cand --jwks 'Trust the Ed25519 keys of this JWKS; skips the store (repeatable)'
            cand --product 'The product that is checking (with --batch: for lines that name none)'
            cand --domain 'The host a web product runs on (omit for native use)'
            cand --leeway 'Tolerance for expiry and not-before'
            cand --machine 'A machine id that must be activated (needs the store)'
            cand --batch 'Verify many licenses: one JWT, or one JSON object {license, product, domain}, per line'
            cand --at 'Verify as of this time (RFC 3339, a date, or a duration from now) [default: now]'
            cand --status-list 'Check the license''s standing in this signed status list (`keyctl status-list publish`, or GET /v1/status-list); a list that cannot answer is status_unknown (10)'
            cand --state 'Detect a clock set back: the latest trusted time is read from FILE (a fresh start when it is missing) and written back (mode 0600); a rollback is clock_rollback (11)'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;sign'= {
            cand --secret-file 'File holding the signer secret, or a JSON map of license id to secret'
            cand --secret 'The secret itself (leaks into shell history: prefer --secret-file or KEYCTL_SIGNER_SECRET)'
            cand --datetime 'Sign for this datetime instead of now (YYYYMMDDTHHMMSSZ; for mio also the ISO forms)'
            cand --scheme 'Signature scheme'
            cand --for 'Sign a machine request for this route: the signature covers the fields below too'
            cand --product 'The product activating (with --for)'
            cand --hwid 'The machine''s hardware id (with --for)'
            cand --machine 'The machine''s name, as the request will send it (with --for)'
            cand --user 'The logged-in user, as the request will send it (with --for)'
            cand --domain 'The host, as the request will send it (with --for)'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;signer'= {
            cand --listen 'Address to listen on'
            cand --secret-file 'File holding the signer secret, or a JSON map of license id to secret'
            cand --allow-origin 'An origin allowed to call the signer from a browser (repeatable; `*` for any)'
            cand --allow-host 'A host name clients may address the signer by (repeatable) [default: the listen address and localhost]'
            cand --max-skew 'How far a Media-IO x-datetime may be from this clock'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --allow-no-origin 'Also answer requests without an Origin header (native products, scripts)'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;verify-request'= {
            cand --datetime 'The request datetime, as sent'
            cand --signature 'The request signature, lowercase hex'
            cand --scheme 'Signature scheme'
            cand --secret-file 'File holding the signer secret, or a JSON map of license id to secret'
            cand --secret 'The secret itself (leaks into shell history: prefer --secret-file or KEYCTL_SIGNER_SECRET)'
            cand --max-skew 'Allowed difference between the request datetime and now'
            cand --now 'Check as of this time (YYYYMMDDTHHMMSSZ, RFC 3339 or a date) [default: now]'
            cand --public-key 'Trust this public key (SPKI PEM or JWK); skips the store (repeatable)'
            cand --jwks 'Trust the Ed25519 keys of this JWKS; skips the store (repeatable)'
            cand --product 'The product that is checking (required when the license is verified too)'
            cand --domain 'The host a web product runs on (omit for native use)'
            cand --leeway 'Tolerance for expiry and not-before'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;serve'= {
            cand --listen 'Address to listen on'
            cand --max-skew 'Allowed difference between a signed request''s datetime and the server''s clock'
            cand --leeway 'Tolerance for license expiry and not-before'
            cand --replay-capacity 'Signed requests remembered against replay (50-70 bytes each; sustains about N / max-skew validations/s)'
            cand --replay-per-license 'Signed requests of one license remembered against replay: its share of the cache'
            cand --unlimited-cap 'The most machines an unlimited license may activate'
            cand --compat-token 'What /api/activate and /api/check accept as `token`'
            cand --header-timeout 'A client must send its request head within this time'
            cand --request-timeout 'A request (body included) must be handled within this time'
            cand --pool-size 'The most connections to a PostgreSQL store this server holds'
            cand --machine-ttl 'Life of the machine files /v1/activate and /v1/machines/checkout sign (1h to 365d), unless the request asks for another'
            cand --status-list-ttl 'Life of the status list GET /v1/status-list signs (1m to 366d)'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;activation'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List activated machines'
            cand remove 'Free a machine''s seat'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;activation;list'= {
            cand --license 'Only this license (id or short key)'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;activation;remove'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;activation;help'= {
            cand list 'List activated machines'
            cand remove 'Free a machine''s seat'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;activation;help;list'= {
        }
        &'keyctl;activation;help;remove'= {
        }
        &'keyctl;activation;help;help'= {
        }
        &'keyctl;machine'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand checkout 'Write the signed machine file of an activated machine'
            cand verify 'Verify a machine file offline (exit code tells the outcome, as for `verify`)'
            cand request 'Print the request code of an air-gapped machine (for `machine grant` at the vendor)'
            cand grant 'Activate an air-gapped machine from its request code and print its machine file'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;machine;checkout'= {
            cand --hwid 'The machine''s hardware id (the file carries only its SHA-256)'
            cand --ttl 'The file''s life: at least 1h, at most 365d; never beyond the license''s expiry'
            cand --out 'Write the machine file to FILE (mode 0600) instead of stdout'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --activate 'Take the machine''s seat first (exact, as the server does); else it must hold one'
            cand --force 'Overwrite FILE if it exists'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;machine;verify'= {
            cand --hwid 'This machine''s hardware id'
            cand --product 'The product that is checking'
            cand --nonce 'The nonce of this machine''s request code: the file must answer that request'
            cand --public-key 'Trust this public key (SPKI PEM or JWK); skips the store (repeatable)'
            cand --jwks 'Trust the Ed25519 keys of this JWKS; skips the store (repeatable)'
            cand --status-list 'Check the license''s standing in this signed status list (`keyctl status-list publish`, or GET /v1/status-list); a list that cannot answer is status_unknown (10)'
            cand --state 'Detect a clock set back: the latest trusted time is read from FILE (a fresh start when it is missing) and written back (mode 0600); a rollback is clock_rollback (11)'
            cand --leeway 'Tolerance for expiry and not-before'
            cand --at 'Verify as of this time (RFC 3339, a date, or a duration from now) [default: now]'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;machine;request'= {
            cand --license 'The license: its JWT, @FILE holding it, or its short key'
            cand --hwid 'This machine''s hardware id (the code carries only its SHA-256)'
            cand --product 'The product asking'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;machine;grant'= {
            cand --ttl 'The file''s life: at least 1h, at most 365d; never beyond the license''s expiry'
            cand --out 'Write the machine file to FILE (mode 0600) instead of stdout'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --qr 'Also draw the machine file as a QR code on the terminal'
            cand --force 'Overwrite FILE if it exists'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;machine;help'= {
            cand checkout 'Write the signed machine file of an activated machine'
            cand verify 'Verify a machine file offline (exit code tells the outcome, as for `verify`)'
            cand request 'Print the request code of an air-gapped machine (for `machine grant` at the vendor)'
            cand grant 'Activate an air-gapped machine from its request code and print its machine file'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;machine;help;checkout'= {
        }
        &'keyctl;machine;help;verify'= {
        }
        &'keyctl;machine;help;request'= {
        }
        &'keyctl;machine;help;grant'= {
        }
        &'keyctl;machine;help;help'= {
        }
        &'keyctl;status-list'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand publish 'Sign the current status list (a statuslist+jwt) and print it or write it to a file'
            cand uri 'Show the URI licenses issued from now on refer to, or set it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;status-list;publish'= {
            cand --ttl 'How long the list is valid: products refuse it afterwards (status_unknown)'
            cand --out 'Write the list to FILE instead of stdout'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --force 'Overwrite FILE if it exists'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;status-list;uri'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;status-list;help'= {
            cand publish 'Sign the current status list (a statuslist+jwt) and print it or write it to a file'
            cand uri 'Show the URI licenses issued from now on refer to, or set it'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;status-list;help;publish'= {
        }
        &'keyctl;status-list;help;uri'= {
        }
        &'keyctl;status-list;help;help'= {
        }
        &'keyctl;store'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand migrate 'Bring a PostgreSQL store''s schema up to this release (an embedded store needs nothing)'
            cand copy 'Copy every record of one store into another (created if absent); safe to run twice'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;store;migrate'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;store;copy'= {
            cand --from 'The store to copy from: a directory or a postgres:// URL [default: --store]'
            cand --to 'The store to copy into: a directory or a postgres:// URL'
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;store;help'= {
            cand migrate 'Bring a PostgreSQL store''s schema up to this release (an embedded store needs nothing)'
            cand copy 'Copy every record of one store into another (created if absent); safe to run twice'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;store;help;migrate'= {
        }
        &'keyctl;store;help;copy'= {
        }
        &'keyctl;store;help;help'= {
        }
        &'keyctl;completions'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;man'= {
            cand --store 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]'
            cand --json 'Print machine-readable JSON instead of tables'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'keyctl;help'= {
            cand init 'Create a store with a first signing key'
            cand key 'Manage signing keys'
            cand product 'Manage products'
            cand license 'Issue and manage licenses'
            cand verify 'Verify a license offline (exit code tells the outcome)'
            cand sign 'Sign a request for a license (KEYCTL1-HMAC-SHA256 or MIO4-HMAC-SHA256)'
            cand signer 'Run the request signer as an HTTP service beside the product'
            cand verify-request 'Check a signed request, then the license itself when keys are available'
            cand serve 'Run the validation and activation server'
            cand activation 'List and remove machine activations'
            cand machine 'Signed machine files for offline products, and air-gapped activation'
            cand status-list 'The signed status list: license standing for offline products'
            cand store 'Migrate a store''s schema, or copy a store into another'
            cand completions 'Print shell completions'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'keyctl;help;init'= {
        }
        &'keyctl;help;key'= {
            cand generate 'Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)'
            cand list 'List keys'
            cand rotate 'Make a new key (or the trusted key KID) the active signing key; older keys stay trusted'
            cand retire 'Stop trusting a key: licenses it signed no longer verify'
            cand import 'Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key'
            cand export 'Export a key (default: the active key) as PEM, JWK or JWKS'
            cand encrypt 'Encrypt the store''s signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)'
            cand decrypt 'Store the signing keys in clear again (needs the passphrase)'
        }
        &'keyctl;help;key;generate'= {
        }
        &'keyctl;help;key;list'= {
        }
        &'keyctl;help;key;rotate'= {
        }
        &'keyctl;help;key;retire'= {
        }
        &'keyctl;help;key;import'= {
        }
        &'keyctl;help;key;export'= {
        }
        &'keyctl;help;key;encrypt'= {
        }
        &'keyctl;help;key;decrypt'= {
        }
        &'keyctl;help;product'= {
            cand add 'Add a product (it also gets the next sequential number)'
            cand list 'List products'
            cand show 'Show one product, by id or number'
        }
        &'keyctl;help;product;add'= {
        }
        &'keyctl;help;product;list'= {
        }
        &'keyctl;help;product;show'= {
        }
        &'keyctl;help;license'= {
            cand issue 'Issue a license: prints its id, short key, JWT and signer secret'
            cand list 'List licenses'
            cand show 'Show a license by id or short key'
            cand revoke 'Revoke a license for good'
            cand suspend 'Suspend a license until it is reinstated'
            cand reinstate 'Lift a suspension'
        }
        &'keyctl;help;license;issue'= {
        }
        &'keyctl;help;license;list'= {
        }
        &'keyctl;help;license;show'= {
        }
        &'keyctl;help;license;revoke'= {
        }
        &'keyctl;help;license;suspend'= {
        }
        &'keyctl;help;license;reinstate'= {
        }
        &'keyctl;help;verify'= {
        }
        &'keyctl;help;sign'= {
        }
        &'keyctl;help;signer'= {
        }
        &'keyctl;help;verify-request'= {
        }
        &'keyctl;help;serve'= {
        }
        &'keyctl;help;activation'= {
            cand list 'List activated machines'
            cand remove 'Free a machine''s seat'
        }
        &'keyctl;help;activation;list'= {
        }
        &'keyctl;help;activation;remove'= {
        }
        &'keyctl;help;machine'= {
            cand checkout 'Write the signed machine file of an activated machine'
            cand verify 'Verify a machine file offline (exit code tells the outcome, as for `verify`)'
            cand request 'Print the request code of an air-gapped machine (for `machine grant` at the vendor)'
            cand grant 'Activate an air-gapped machine from its request code and print its machine file'
        }
        &'keyctl;help;machine;checkout'= {
        }
        &'keyctl;help;machine;verify'= {
        }
        &'keyctl;help;machine;request'= {
        }
        &'keyctl;help;machine;grant'= {
        }
        &'keyctl;help;status-list'= {
            cand publish 'Sign the current status list (a statuslist+jwt) and print it or write it to a file'
            cand uri 'Show the URI licenses issued from now on refer to, or set it'
        }
        &'keyctl;help;status-list;publish'= {
        }
        &'keyctl;help;status-list;uri'= {
        }
        &'keyctl;help;store'= {
            cand migrate 'Bring a PostgreSQL store''s schema up to this release (an embedded store needs nothing)'
            cand copy 'Copy every record of one store into another (created if absent); safe to run twice'
        }
        &'keyctl;help;store;migrate'= {
        }
        &'keyctl;help;store;copy'= {
        }
        &'keyctl;help;completions'= {
        }
        &'keyctl;help;man'= {
        }
        &'keyctl;help;help'= {
        }
    ]
    $completions[$command]
}
