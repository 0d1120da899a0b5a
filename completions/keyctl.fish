# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_keyctl_global_optspecs
    string join \n store= json h/help V/version
end

function __fish_keyctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_keyctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_keyctl_using_subcommand
    set -l cmd (__fish_keyctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c keyctl -n "__fish_keyctl_needs_command" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_needs_command" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_needs_command" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_needs_command" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "init" -d 'Create a store with a first signing key'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "key" -d 'Manage signing keys'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "product" -d 'Manage products'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "license" -d 'Issue and manage licenses'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "verify" -d 'Verify a license offline (exit code tells the outcome)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "sign" -d 'Sign a request for a license (KEYCTL1-HMAC-SHA256 or MIO4-HMAC-SHA256)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "signer" -d 'Run the request signer as an HTTP service beside the product'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "verify-request" -d 'Check a signed request, then the license itself when keys are available'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "serve" -d 'Run the validation and activation server'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "activation" -d 'List and remove machine activations'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "machine" -d 'Signed machine files for offline products, and air-gapped activation'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "status-list" -d 'The signed status list: license standing for offline products'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "store" -d 'Migrate a store\'s schema, or copy a store into another'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -l issuer -d 'The vendor name put in every license\'s `iss` claim [default: keyctl]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -l status-uri -d 'The status list URI licenses refer to (an https:// URL, or a path on the server) [default: /v1/status-list]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -l encrypt -d 'Encrypt the signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)'
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -f -a "generate" -d 'Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -f -a "list" -d 'List keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -f -a "rotate" -d 'Make a new key (or the trusted key KID) the active signing key; older keys stay trusted'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -f -a "retire" -d 'Stop trusting a key: licenses it signed no longer verify'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -f -a "import" -d 'Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -f -a "export" -d 'Export a key (default: the active key) as PEM, JWK or JWKS'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -f -a "encrypt" -d 'Encrypt the store\'s signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -f -a "decrypt" -d 'Store the signing keys in clear again (needs the passphrase)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from generate list rotate retire import export encrypt decrypt help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from generate" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from generate" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from generate" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from retire" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from retire" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from retire" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from retire" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from import" -l passphrase-file -d 'The passphrase of an encrypted PEM file is in FILE [default: asked on the terminal]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from import" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from import" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -l format -d 'Output format' -r -f -a "pem\t'SPKI public key, or PKCS#8 v1 private key with --private'
jwk\t'One JWK (RFC 8037)'
jwks\t'A JWKS of the key, or of every trusted key when no KID is given'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -l out -d 'Write to FILE instead of stdout' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -l passphrase-file -d 'Encrypt the private key PEM under the passphrase in FILE (implies --encrypt)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -l private -d 'Export the private key (written 0600 when --out is given)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -l force -d 'Overwrite FILE if it exists'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -l encrypt -d 'Encrypt the private key PEM under a passphrase (asked on the terminal unless --passphrase-file)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from encrypt" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from encrypt" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from encrypt" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from encrypt" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from decrypt" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from decrypt" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from decrypt" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from decrypt" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "generate" -d 'Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "list" -d 'List keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Make a new key (or the trusted key KID) the active signing key; older keys stay trusted'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "retire" -d 'Stop trusting a key: licenses it signed no longer verify'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "export" -d 'Export a key (default: the active key) as PEM, JWK or JWKS'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "encrypt" -d 'Encrypt the store\'s signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "decrypt" -d 'Store the signing keys in clear again (needs the passphrase)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and not __fish_seen_subcommand_from add list show help" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and not __fish_seen_subcommand_from add list show help" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and not __fish_seen_subcommand_from add list show help" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and not __fish_seen_subcommand_from add list show help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and not __fish_seen_subcommand_from add list show help" -f -a "add" -d 'Add a product (it also gets the next sequential number)'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and not __fish_seen_subcommand_from add list show help" -f -a "list" -d 'List products'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and not __fish_seen_subcommand_from add list show help" -f -a "show" -d 'Show one product, by id or number'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and not __fish_seen_subcommand_from add list show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from add" -l name -d 'Display name' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from add" -l support-message -d 'Message shown to users when activation fails' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from add" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from add" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from list" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from show" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a product (it also gets the next sequential number)'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from help" -f -a "list" -d 'List products'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one product, by id or number'
complete -c keyctl -n "__fish_keyctl_using_subcommand product; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -f -a "issue" -d 'Issue a license: prints its id, short key, JWT and signer secret'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -f -a "list" -d 'List licenses'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -f -a "show" -d 'Show a license by id or short key'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -f -a "revoke" -d 'Revoke a license for good'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -f -a "suspend" -d 'Suspend a license until it is reinstated'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -f -a "reinstate" -d 'Lift a suspension'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and not __fish_seen_subcommand_from issue list show revoke suspend reinstate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l product -d 'A product the license covers (repeatable)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l licensee -d 'Customer name, e-mail or id' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l expires -d 'Expiry: a duration (365d), a date (2027-12-31, end of day UTC) or RFC 3339 [default: never]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l not-before -d 'Start of validity: a duration, a date (start of day UTC) or RFC 3339' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l activations -d 'Machines that may be activated, or -1 for unlimited [default: unlimited]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l domain -d 'A host the product may run on; *.example.com for subdomains (repeatable)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l feature -d 'An entitlement (repeatable)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l meta -d 'Vendor data, a JSON object' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l batch -d 'Issue one license per row of FILE (CSV with a header row, or JSON Lines); `-` is stdin' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l input-format -d 'Input format [default: csv for *.csv, else jsonl]' -r -f -a "csv\t'Comma-separated values with a header row; lists separated by `;`'
jsonl\t'One JSON object per line; lists as arrays (or `;`-separated strings)'"
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l rejects -d 'Where --skip-invalid writes refused rows (JSON Lines)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l out -d 'Write the issued licenses (with their secrets) to FILE, created 0600 [default: stdout]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l output-format -d 'Output format [default: csv for *.csv, else jsonl]' -r -f -a "jsonl\t'One JSON object per line'
csv\t'CSV with a header row'"
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l skip-invalid -d 'Issue the valid rows and write the invalid ones, with reasons, to --rejects'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l skip-existing -d 'Skip the rows whose ref a license was already issued for (they are not output again)'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l force -d 'Overwrite --out and --rejects if they exist'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from issue" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from list" -l product -d 'Only licenses covering this product' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from list" -l status -d 'Only licenses in this standing' -r -f -a "active\t''
suspended\t''
revoked\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from list" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from show" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from show" -l jwt -d 'Print only the JWT'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from show" -l secret -d 'Print only the signer secret'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from show" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from revoke" -l reason -d 'Why (shown by verify and the server)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from revoke" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from revoke" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from suspend" -l reason -d 'Why (shown by verify and the server)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from suspend" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from suspend" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from suspend" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from suspend" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from reinstate" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from reinstate" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from reinstate" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from reinstate" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from help" -f -a "issue" -d 'Issue a license: prints its id, short key, JWT and signer secret'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from help" -f -a "list" -d 'List licenses'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a license by id or short key'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a license for good'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from help" -f -a "suspend" -d 'Suspend a license until it is reinstated'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from help" -f -a "reinstate" -d 'Lift a suspension'
complete -c keyctl -n "__fish_keyctl_using_subcommand license; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l public-key -d 'Trust this public key (SPKI PEM or JWK); skips the store (repeatable)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l jwks -d 'Trust the Ed25519 keys of this JWKS; skips the store (repeatable)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l product -d 'The product that is checking (with --batch: for lines that name none)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l domain -d 'The host a web product runs on (omit for native use)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l leeway -d 'Tolerance for expiry and not-before' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l machine -d 'A machine id that must be activated (needs the store)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l batch -d 'Verify many licenses: one JWT, or one JSON object {license, product, domain}, per line' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l at -d 'Verify as of this time (RFC 3339, a date, or a duration from now) [default: now]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l status-list -d 'Check the license\'s standing in this signed status list (`keyctl status-list publish`, or GET /v1/status-list); a list that cannot answer is status_unknown (10)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l state -d 'Detect a clock set back: the latest trusted time is read from FILE (a fresh start when it is missing) and written back (mode 0600); a rollback is clock_rollback (11)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand verify" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l secret-file -d 'File holding the signer secret, or a JSON map of license id to secret' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l secret -d 'The secret itself (leaks into shell history: prefer --secret-file or KEYCTL_SIGNER_SECRET)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l datetime -d 'Sign for this datetime instead of now (YYYYMMDDTHHMMSSZ; for mio also the ISO forms)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l scheme -d 'Signature scheme' -r -f -a "keyctl1\t'`KEYCTL1-HMAC-SHA256`: date-scoped derived keys over the license\'s hash'
mio\t'`MIO4-HMAC-SHA256`: one HMAC over the datetime and the license (Media-IO products)'"
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l for -d 'Sign a machine request for this route: the signature covers the fields below too' -r -f -a "activate\t'`POST /v1/activate`'
deactivate\t'`POST /v1/deactivate`'
checkout\t'`POST /v1/machines/checkout`'"
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l product -d 'The product activating (with --for)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l hwid -d 'The machine\'s hardware id (with --for)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l machine -d 'The machine\'s name, as the request will send it (with --for)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l user -d 'The logged-in user, as the request will send it (with --for)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l domain -d 'The host, as the request will send it (with --for)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand sign" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -l listen -d 'Address to listen on' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -l secret-file -d 'File holding the signer secret, or a JSON map of license id to secret' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -l allow-origin -d 'An origin allowed to call the signer from a browser (repeatable; `*` for any)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -l allow-host -d 'A host name clients may address the signer by (repeatable) [default: the listen address and localhost]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -l max-skew -d 'How far a Media-IO x-datetime may be from this clock' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -l allow-no-origin -d 'Also answer requests without an Origin header (native products, scripts)'
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand signer" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l datetime -d 'The request datetime, as sent' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l signature -d 'The request signature, lowercase hex' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l scheme -d 'Signature scheme' -r -f -a "keyctl1\t'`KEYCTL1-HMAC-SHA256`: date-scoped derived keys over the license\'s hash'
mio\t'`MIO4-HMAC-SHA256`: one HMAC over the datetime and the license (Media-IO products)'"
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l secret-file -d 'File holding the signer secret, or a JSON map of license id to secret' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l secret -d 'The secret itself (leaks into shell history: prefer --secret-file or KEYCTL_SIGNER_SECRET)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l max-skew -d 'Allowed difference between the request datetime and now' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l now -d 'Check as of this time (YYYYMMDDTHHMMSSZ, RFC 3339 or a date) [default: now]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l public-key -d 'Trust this public key (SPKI PEM or JWK); skips the store (repeatable)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l jwks -d 'Trust the Ed25519 keys of this JWKS; skips the store (repeatable)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l product -d 'The product that is checking (required when the license is verified too)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l domain -d 'The host a web product runs on (omit for native use)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l leeway -d 'Tolerance for expiry and not-before' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand verify-request" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l listen -d 'Address to listen on' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l max-skew -d 'Allowed difference between a signed request\'s datetime and the server\'s clock' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l leeway -d 'Tolerance for license expiry and not-before' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l replay-capacity -d 'Signed requests remembered against replay (50-70 bytes each; sustains about N / max-skew validations/s)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l replay-per-license -d 'Signed requests of one license remembered against replay: its share of the cache' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l unlimited-cap -d 'The most machines an unlimited license may activate' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l compat-token -d 'What /api/activate and /api/check accept as `token`' -r -f -a "key\t'Only the short key, the licensee\'s secret token (as the older key server)'
jwt\t'Also the JWT or the license id: weaker, since anyone who has seen a license knows both'"
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l header-timeout -d 'A client must send its request head within this time' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l request-timeout -d 'A request (body included) must be handled within this time' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l pool-size -d 'The most connections to a PostgreSQL store this server holds' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l machine-ttl -d 'Life of the machine files /v1/activate and /v1/machines/checkout sign (1h to 365d), unless the request asks for another' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l status-list-ttl -d 'Life of the status list GET /v1/status-list signs (1m to 366d)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and not __fish_seen_subcommand_from list remove help" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and not __fish_seen_subcommand_from list remove help" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and not __fish_seen_subcommand_from list remove help" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and not __fish_seen_subcommand_from list remove help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and not __fish_seen_subcommand_from list remove help" -f -a "list" -d 'List activated machines'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and not __fish_seen_subcommand_from list remove help" -f -a "remove" -d 'Free a machine\'s seat'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and not __fish_seen_subcommand_from list remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from list" -l license -d 'Only this license (id or short key)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from list" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from list" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from remove" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from remove" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from help" -f -a "list" -d 'List activated machines'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Free a machine\'s seat'
complete -c keyctl -n "__fish_keyctl_using_subcommand activation; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and not __fish_seen_subcommand_from checkout verify request grant help" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and not __fish_seen_subcommand_from checkout verify request grant help" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and not __fish_seen_subcommand_from checkout verify request grant help" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and not __fish_seen_subcommand_from checkout verify request grant help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and not __fish_seen_subcommand_from checkout verify request grant help" -f -a "checkout" -d 'Write the signed machine file of an activated machine'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and not __fish_seen_subcommand_from checkout verify request grant help" -f -a "verify" -d 'Verify a machine file offline (exit code tells the outcome, as for `verify`)'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and not __fish_seen_subcommand_from checkout verify request grant help" -f -a "request" -d 'Print the request code of an air-gapped machine (for `machine grant` at the vendor)'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and not __fish_seen_subcommand_from checkout verify request grant help" -f -a "grant" -d 'Activate an air-gapped machine from its request code and print its machine file'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and not __fish_seen_subcommand_from checkout verify request grant help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from checkout" -l hwid -d 'The machine\'s hardware id (the file carries only its SHA-256)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from checkout" -l ttl -d 'The file\'s life: at least 1h, at most 365d; never beyond the license\'s expiry' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from checkout" -l out -d 'Write the machine file to FILE (mode 0600) instead of stdout' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from checkout" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from checkout" -l activate -d 'Take the machine\'s seat first (exact, as the server does); else it must hold one'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from checkout" -l force -d 'Overwrite FILE if it exists'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from checkout" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from checkout" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from checkout" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l hwid -d 'This machine\'s hardware id' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l product -d 'The product that is checking' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l nonce -d 'The nonce of this machine\'s request code: the file must answer that request' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l public-key -d 'Trust this public key (SPKI PEM or JWK); skips the store (repeatable)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l jwks -d 'Trust the Ed25519 keys of this JWKS; skips the store (repeatable)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l status-list -d 'Check the license\'s standing in this signed status list (`keyctl status-list publish`, or GET /v1/status-list); a list that cannot answer is status_unknown (10)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l state -d 'Detect a clock set back: the latest trusted time is read from FILE (a fresh start when it is missing) and written back (mode 0600); a rollback is clock_rollback (11)' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l leeway -d 'Tolerance for expiry and not-before' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l at -d 'Verify as of this time (RFC 3339, a date, or a duration from now) [default: now]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from request" -l license -d 'The license: its JWT, @FILE holding it, or its short key' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from request" -l hwid -d 'This machine\'s hardware id (the code carries only its SHA-256)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from request" -l product -d 'The product asking' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from request" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from request" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from request" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from request" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from grant" -l ttl -d 'The file\'s life: at least 1h, at most 365d; never beyond the license\'s expiry' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from grant" -l out -d 'Write the machine file to FILE (mode 0600) instead of stdout' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from grant" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from grant" -l qr -d 'Also draw the machine file as a QR code on the terminal'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from grant" -l force -d 'Overwrite FILE if it exists'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from grant" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from grant" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from grant" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from help" -f -a "checkout" -d 'Write the signed machine file of an activated machine'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Verify a machine file offline (exit code tells the outcome, as for `verify`)'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from help" -f -a "request" -d 'Print the request code of an air-gapped machine (for `machine grant` at the vendor)'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from help" -f -a "grant" -d 'Activate an air-gapped machine from its request code and print its machine file'
complete -c keyctl -n "__fish_keyctl_using_subcommand machine; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and not __fish_seen_subcommand_from publish uri help" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and not __fish_seen_subcommand_from publish uri help" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and not __fish_seen_subcommand_from publish uri help" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and not __fish_seen_subcommand_from publish uri help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and not __fish_seen_subcommand_from publish uri help" -f -a "publish" -d 'Sign the current status list (a statuslist+jwt) and print it or write it to a file'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and not __fish_seen_subcommand_from publish uri help" -f -a "uri" -d 'Show the URI licenses issued from now on refer to, or set it'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and not __fish_seen_subcommand_from publish uri help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from publish" -l ttl -d 'How long the list is valid: products refuse it afterwards (status_unknown)' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from publish" -l out -d 'Write the list to FILE instead of stdout' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from publish" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from publish" -l force -d 'Overwrite FILE if it exists'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from publish" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from publish" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from publish" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from uri" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from uri" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from uri" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from uri" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from help" -f -a "publish" -d 'Sign the current status list (a statuslist+jwt) and print it or write it to a file'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from help" -f -a "uri" -d 'Show the URI licenses issued from now on refer to, or set it'
complete -c keyctl -n "__fish_keyctl_using_subcommand status-list; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from migrate copy help" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from migrate copy help" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from migrate copy help" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from migrate copy help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from migrate copy help" -f -a "migrate" -d 'Bring a PostgreSQL store\'s schema up to this release (an embedded store needs nothing)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from migrate copy help" -f -a "copy" -d 'Copy every record of one store into another (created if absent); safe to run twice'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from migrate copy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from migrate" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from migrate" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from migrate" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -l from -d 'The store to copy from: a directory or a postgres:// URL [default: --store]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -l to -d 'The store to copy into: a directory or a postgres:// URL' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Bring a PostgreSQL store\'s schema up to this release (an embedded store needs nothing)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy every record of one store into another (created if absent); safe to run twice'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -l store -d 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -l json -d 'Print machine-readable JSON instead of tables'
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -s h -l help -d 'Print help'
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "init" -d 'Create a store with a first signing key'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "key" -d 'Manage signing keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "product" -d 'Manage products'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "license" -d 'Issue and manage licenses'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "verify" -d 'Verify a license offline (exit code tells the outcome)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "sign" -d 'Sign a request for a license (KEYCTL1-HMAC-SHA256 or MIO4-HMAC-SHA256)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "signer" -d 'Run the request signer as an HTTP service beside the product'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "verify-request" -d 'Check a signed request, then the license itself when keys are available'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "serve" -d 'Run the validation and activation server'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "activation" -d 'List and remove machine activations'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "machine" -d 'Signed machine files for offline products, and air-gapped activation'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "status-list" -d 'The signed status list: license standing for offline products'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "store" -d 'Migrate a store\'s schema, or copy a store into another'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "completions" -d 'Print shell completions'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init key product license verify sign signer verify-request serve activation machine status-list store completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "generate" -d 'Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "list" -d 'List keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "rotate" -d 'Make a new key (or the trusted key KID) the active signing key; older keys stay trusted'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "retire" -d 'Stop trusting a key: licenses it signed no longer verify'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "import" -d 'Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "export" -d 'Export a key (default: the active key) as PEM, JWK or JWKS'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "encrypt" -d 'Encrypt the store\'s signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "decrypt" -d 'Store the signing keys in clear again (needs the passphrase)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from product" -f -a "add" -d 'Add a product (it also gets the next sequential number)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from product" -f -a "list" -d 'List products'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from product" -f -a "show" -d 'Show one product, by id or number'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from license" -f -a "issue" -d 'Issue a license: prints its id, short key, JWT and signer secret'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from license" -f -a "list" -d 'List licenses'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from license" -f -a "show" -d 'Show a license by id or short key'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from license" -f -a "revoke" -d 'Revoke a license for good'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from license" -f -a "suspend" -d 'Suspend a license until it is reinstated'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from license" -f -a "reinstate" -d 'Lift a suspension'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from activation" -f -a "list" -d 'List activated machines'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from activation" -f -a "remove" -d 'Free a machine\'s seat'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from machine" -f -a "checkout" -d 'Write the signed machine file of an activated machine'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from machine" -f -a "verify" -d 'Verify a machine file offline (exit code tells the outcome, as for `verify`)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from machine" -f -a "request" -d 'Print the request code of an air-gapped machine (for `machine grant` at the vendor)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from machine" -f -a "grant" -d 'Activate an air-gapped machine from its request code and print its machine file'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from status-list" -f -a "publish" -d 'Sign the current status list (a statuslist+jwt) and print it or write it to a file'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from status-list" -f -a "uri" -d 'Show the URI licenses issued from now on refer to, or set it'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "migrate" -d 'Bring a PostgreSQL store\'s schema up to this release (an embedded store needs nothing)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "copy" -d 'Copy every record of one store into another (created if absent); safe to run twice'
