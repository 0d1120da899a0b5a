
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'keyctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'keyctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'keyctl' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a store with a first signing key')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Manage signing keys')
            [CompletionResult]::new('product', 'product', [CompletionResultType]::ParameterValue, 'Manage products')
            [CompletionResult]::new('license', 'license', [CompletionResultType]::ParameterValue, 'Issue and manage licenses')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a license offline (exit code tells the outcome)')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a request for a license (KEYCTL1-HMAC-SHA256 or MIO4-HMAC-SHA256)')
            [CompletionResult]::new('signer', 'signer', [CompletionResultType]::ParameterValue, 'Run the request signer as an HTTP service beside the product')
            [CompletionResult]::new('verify-request', 'verify-request', [CompletionResultType]::ParameterValue, 'Check a signed request, then the license itself when keys are available')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the validation and activation server')
            [CompletionResult]::new('activation', 'activation', [CompletionResultType]::ParameterValue, 'List and remove machine activations')
            [CompletionResult]::new('machine', 'machine', [CompletionResultType]::ParameterValue, 'Signed machine files for offline products, and air-gapped activation')
            [CompletionResult]::new('status-list', 'status-list', [CompletionResultType]::ParameterValue, 'The signed status list: license standing for offline products')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Migrate a store''s schema, or copy a store into another')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;init' {
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'The vendor name put in every license''s `iss` claim [default: keyctl]')
            [CompletionResult]::new('--status-uri', '--status-uri', [CompletionResultType]::ParameterName, 'The status list URI licenses refer to (an https:// URL, or a path on the server) [default: /v1/status-list]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--encrypt', '--encrypt', [CompletionResultType]::ParameterName, 'Encrypt the signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;key' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Make a new key (or the trusted key KID) the active signing key; older keys stay trusted')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Stop trusting a key: licenses it signed no longer verify')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a key (default: the active key) as PEM, JWK or JWKS')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt the store''s signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Store the signing keys in clear again (needs the passphrase)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;key;generate' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;key;list' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;key;rotate' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;key;retire' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;key;import' {
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'The passphrase of an encrypted PEM file is in FILE [default: asked on the terminal]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;key;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write to FILE instead of stdout')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Encrypt the private key PEM under the passphrase in FILE (implies --encrypt)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--private', '--private', [CompletionResultType]::ParameterName, 'Export the private key (written 0600 when --out is given)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite FILE if it exists')
            [CompletionResult]::new('--encrypt', '--encrypt', [CompletionResultType]::ParameterName, 'Encrypt the private key PEM under a passphrase (asked on the terminal unless --passphrase-file)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;key;encrypt' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;key;decrypt' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;key;help' {
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Make a new key (or the trusted key KID) the active signing key; older keys stay trusted')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Stop trusting a key: licenses it signed no longer verify')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a key (default: the active key) as PEM, JWK or JWKS')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt the store''s signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Store the signing keys in clear again (needs the passphrase)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;key;help;generate' {
            break
        }
        'keyctl;key;help;list' {
            break
        }
        'keyctl;key;help;rotate' {
            break
        }
        'keyctl;key;help;retire' {
            break
        }
        'keyctl;key;help;import' {
            break
        }
        'keyctl;key;help;export' {
            break
        }
        'keyctl;key;help;encrypt' {
            break
        }
        'keyctl;key;help;decrypt' {
            break
        }
        'keyctl;key;help;help' {
            break
        }
        'keyctl;product' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a product (it also gets the next sequential number)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List products')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one product, by id or number')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;product;add' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('--support-message', '--support-message', [CompletionResultType]::ParameterName, 'Message shown to users when activation fails')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;product;list' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;product;show' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;product;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a product (it also gets the next sequential number)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List products')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one product, by id or number')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;product;help;add' {
            break
        }
        'keyctl;product;help;list' {
            break
        }
        'keyctl;product;help;show' {
            break
        }
        'keyctl;product;help;help' {
            break
        }
        'keyctl;license' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Issue a license: prints its id, short key, JWT and signer secret')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List licenses')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a license by id or short key')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a license for good')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Suspend a license until it is reinstated')
            [CompletionResult]::new('reinstate', 'reinstate', [CompletionResultType]::ParameterValue, 'Lift a suspension')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;license;issue' {
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'A product the license covers (repeatable)')
            [CompletionResult]::new('--licensee', '--licensee', [CompletionResultType]::ParameterName, 'Customer name, e-mail or id')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'Expiry: a duration (365d), a date (2027-12-31, end of day UTC) or RFC 3339 [default: never]')
            [CompletionResult]::new('--not-before', '--not-before', [CompletionResultType]::ParameterName, 'Start of validity: a duration, a date (start of day UTC) or RFC 3339')
            [CompletionResult]::new('--activations', '--activations', [CompletionResultType]::ParameterName, 'Machines that may be activated, or -1 for unlimited [default: unlimited]')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'A host the product may run on; *.example.com for subdomains (repeatable)')
            [CompletionResult]::new('--feature', '--feature', [CompletionResultType]::ParameterName, 'An entitlement (repeatable)')
            [CompletionResult]::new('--meta', '--meta', [CompletionResultType]::ParameterName, 'Vendor data, a JSON object')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Issue one license per row of FILE (CSV with a header row, or JSON Lines); `-` is stdin')
            [CompletionResult]::new('--input-format', '--input-format', [CompletionResultType]::ParameterName, 'Input format [default: csv for *.csv, else jsonl]')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Where --skip-invalid writes refused rows (JSON Lines)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the issued licenses (with their secrets) to FILE, created 0600 [default: stdout]')
            [CompletionResult]::new('--output-format', '--output-format', [CompletionResultType]::ParameterName, 'Output format [default: csv for *.csv, else jsonl]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--skip-invalid', '--skip-invalid', [CompletionResultType]::ParameterName, 'Issue the valid rows and write the invalid ones, with reasons, to --rejects')
            [CompletionResult]::new('--skip-existing', '--skip-existing', [CompletionResultType]::ParameterName, 'Skip the rows whose ref a license was already issued for (they are not output again)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite --out and --rejects if they exist')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;license;list' {
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'Only licenses covering this product')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only licenses in this standing')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;license;show' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--jwt', '--jwt', [CompletionResultType]::ParameterName, 'Print only the JWT')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'Print only the signer secret')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;license;revoke' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (shown by verify and the server)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;license;suspend' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (shown by verify and the server)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;license;reinstate' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;license;help' {
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Issue a license: prints its id, short key, JWT and signer secret')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List licenses')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a license by id or short key')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a license for good')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Suspend a license until it is reinstated')
            [CompletionResult]::new('reinstate', 'reinstate', [CompletionResultType]::ParameterValue, 'Lift a suspension')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;license;help;issue' {
            break
        }
        'keyctl;license;help;list' {
            break
        }
        'keyctl;license;help;show' {
            break
        }
        'keyctl;license;help;revoke' {
            break
        }
        'keyctl;license;help;suspend' {
            break
        }
        'keyctl;license;help;reinstate' {
            break
        }
        'keyctl;license;help;help' {
            break
        }
        'keyctl;verify' {
            [CompletionResult]::new('--public-key', '--public-key', [CompletionResultType]::ParameterName, 'Trust this public key (SPKI PEM or JWK); skips the store (repeatable)')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'Trust the Ed25519 keys of this JWKS; skips the store (repeatable)')
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'The product that is checking (with --batch: for lines that name none)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'The host a web product runs on (omit for native use)')
            [CompletionResult]::new('--leeway', '--leeway', [CompletionResultType]::ParameterName, 'Tolerance for expiry and not-before')
            [CompletionResult]::new('--machine', '--machine', [CompletionResultType]::ParameterName, 'A machine id that must be activated (needs the store)')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Verify many licenses: one JWT, or one JSON object {license, product, domain}, per line')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'Verify as of this time (RFC 3339, a date, or a duration from now) [default: now]')
            [CompletionResult]::new('--status-list', '--status-list', [CompletionResultType]::ParameterName, 'Check the license''s standing in this signed status list (`keyctl status-list publish`, or GET /v1/status-list); a list that cannot answer is status_unknown (10)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Detect a clock set back: the latest trusted time is read from FILE (a fresh start when it is missing) and written back (mode 0600); a rollback is clock_rollback (11)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;sign' {
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'File holding the signer secret, or a JSON map of license id to secret')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret itself (leaks into shell history: prefer --secret-file or KEYCTL_SIGNER_SECRET)')
            [CompletionResult]::new('--datetime', '--datetime', [CompletionResultType]::ParameterName, 'Sign for this datetime instead of now (YYYYMMDDTHHMMSSZ; for mio also the ISO forms)')
            [CompletionResult]::new('--scheme', '--scheme', [CompletionResultType]::ParameterName, 'Signature scheme')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Sign a machine request for this route: the signature covers the fields below too')
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'The product activating (with --for)')
            [CompletionResult]::new('--hwid', '--hwid', [CompletionResultType]::ParameterName, 'The machine''s hardware id (with --for)')
            [CompletionResult]::new('--machine', '--machine', [CompletionResultType]::ParameterName, 'The machine''s name, as the request will send it (with --for)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The logged-in user, as the request will send it (with --for)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'The host, as the request will send it (with --for)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;signer' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'File holding the signer secret, or a JSON map of license id to secret')
            [CompletionResult]::new('--allow-origin', '--allow-origin', [CompletionResultType]::ParameterName, 'An origin allowed to call the signer from a browser (repeatable; `*` for any)')
            [CompletionResult]::new('--allow-host', '--allow-host', [CompletionResultType]::ParameterName, 'A host name clients may address the signer by (repeatable) [default: the listen address and localhost]')
            [CompletionResult]::new('--max-skew', '--max-skew', [CompletionResultType]::ParameterName, 'How far a Media-IO x-datetime may be from this clock')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--allow-no-origin', '--allow-no-origin', [CompletionResultType]::ParameterName, 'Also answer requests without an Origin header (native products, scripts)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;verify-request' {
            [CompletionResult]::new('--datetime', '--datetime', [CompletionResultType]::ParameterName, 'The request datetime, as sent')
            [CompletionResult]::new('--signature', '--signature', [CompletionResultType]::ParameterName, 'The request signature, lowercase hex')
            [CompletionResult]::new('--scheme', '--scheme', [CompletionResultType]::ParameterName, 'Signature scheme')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'File holding the signer secret, or a JSON map of license id to secret')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret itself (leaks into shell history: prefer --secret-file or KEYCTL_SIGNER_SECRET)')
            [CompletionResult]::new('--max-skew', '--max-skew', [CompletionResultType]::ParameterName, 'Allowed difference between the request datetime and now')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Check as of this time (YYYYMMDDTHHMMSSZ, RFC 3339 or a date) [default: now]')
            [CompletionResult]::new('--public-key', '--public-key', [CompletionResultType]::ParameterName, 'Trust this public key (SPKI PEM or JWK); skips the store (repeatable)')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'Trust the Ed25519 keys of this JWKS; skips the store (repeatable)')
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'The product that is checking (required when the license is verified too)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'The host a web product runs on (omit for native use)')
            [CompletionResult]::new('--leeway', '--leeway', [CompletionResultType]::ParameterName, 'Tolerance for expiry and not-before')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on')
            [CompletionResult]::new('--max-skew', '--max-skew', [CompletionResultType]::ParameterName, 'Allowed difference between a signed request''s datetime and the server''s clock')
            [CompletionResult]::new('--leeway', '--leeway', [CompletionResultType]::ParameterName, 'Tolerance for license expiry and not-before')
            [CompletionResult]::new('--replay-capacity', '--replay-capacity', [CompletionResultType]::ParameterName, 'Signed requests remembered against replay (50-70 bytes each; sustains about N / max-skew validations/s)')
            [CompletionResult]::new('--replay-per-license', '--replay-per-license', [CompletionResultType]::ParameterName, 'Signed requests of one license remembered against replay: its share of the cache')
            [CompletionResult]::new('--unlimited-cap', '--unlimited-cap', [CompletionResultType]::ParameterName, 'The most machines an unlimited license may activate')
            [CompletionResult]::new('--compat-token', '--compat-token', [CompletionResultType]::ParameterName, 'What /api/activate and /api/check accept as `token`')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'A client must send its request head within this time')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'A request (body included) must be handled within this time')
            [CompletionResult]::new('--pool-size', '--pool-size', [CompletionResultType]::ParameterName, 'The most connections to a PostgreSQL store this server holds')
            [CompletionResult]::new('--machine-ttl', '--machine-ttl', [CompletionResultType]::ParameterName, 'Life of the machine files /v1/activate and /v1/machines/checkout sign (1h to 365d), unless the request asks for another')
            [CompletionResult]::new('--status-list-ttl', '--status-list-ttl', [CompletionResultType]::ParameterName, 'Life of the status list GET /v1/status-list signs (1m to 366d)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;activation' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List activated machines')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Free a machine''s seat')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;activation;list' {
            [CompletionResult]::new('--license', '--license', [CompletionResultType]::ParameterName, 'Only this license (id or short key)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;activation;remove' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;activation;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List activated machines')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Free a machine''s seat')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;activation;help;list' {
            break
        }
        'keyctl;activation;help;remove' {
            break
        }
        'keyctl;activation;help;help' {
            break
        }
        'keyctl;machine' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('checkout', 'checkout', [CompletionResultType]::ParameterValue, 'Write the signed machine file of an activated machine')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a machine file offline (exit code tells the outcome, as for `verify`)')
            [CompletionResult]::new('request', 'request', [CompletionResultType]::ParameterValue, 'Print the request code of an air-gapped machine (for `machine grant` at the vendor)')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Activate an air-gapped machine from its request code and print its machine file')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;machine;checkout' {
            [CompletionResult]::new('--hwid', '--hwid', [CompletionResultType]::ParameterName, 'The machine''s hardware id (the file carries only its SHA-256)')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'The file''s life: at least 1h, at most 365d; never beyond the license''s expiry')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the machine file to FILE (mode 0600) instead of stdout')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--activate', '--activate', [CompletionResultType]::ParameterName, 'Take the machine''s seat first (exact, as the server does); else it must hold one')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite FILE if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;machine;verify' {
            [CompletionResult]::new('--hwid', '--hwid', [CompletionResultType]::ParameterName, 'This machine''s hardware id')
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'The product that is checking')
            [CompletionResult]::new('--nonce', '--nonce', [CompletionResultType]::ParameterName, 'The nonce of this machine''s request code: the file must answer that request')
            [CompletionResult]::new('--public-key', '--public-key', [CompletionResultType]::ParameterName, 'Trust this public key (SPKI PEM or JWK); skips the store (repeatable)')
            [CompletionResult]::new('--jwks', '--jwks', [CompletionResultType]::ParameterName, 'Trust the Ed25519 keys of this JWKS; skips the store (repeatable)')
            [CompletionResult]::new('--status-list', '--status-list', [CompletionResultType]::ParameterName, 'Check the license''s standing in this signed status list (`keyctl status-list publish`, or GET /v1/status-list); a list that cannot answer is status_unknown (10)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Detect a clock set back: the latest trusted time is read from FILE (a fresh start when it is missing) and written back (mode 0600); a rollback is clock_rollback (11)')
            [CompletionResult]::new('--leeway', '--leeway', [CompletionResultType]::ParameterName, 'Tolerance for expiry and not-before')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'Verify as of this time (RFC 3339, a date, or a duration from now) [default: now]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;machine;request' {
            [CompletionResult]::new('--license', '--license', [CompletionResultType]::ParameterName, 'The license: its JWT, @FILE holding it, or its short key')
            [CompletionResult]::new('--hwid', '--hwid', [CompletionResultType]::ParameterName, 'This machine''s hardware id (the code carries only its SHA-256)')
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'The product asking')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;machine;grant' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'The file''s life: at least 1h, at most 365d; never beyond the license''s expiry')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the machine file to FILE (mode 0600) instead of stdout')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also draw the machine file as a QR code on the terminal')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite FILE if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;machine;help' {
            [CompletionResult]::new('checkout', 'checkout', [CompletionResultType]::ParameterValue, 'Write the signed machine file of an activated machine')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a machine file offline (exit code tells the outcome, as for `verify`)')
            [CompletionResult]::new('request', 'request', [CompletionResultType]::ParameterValue, 'Print the request code of an air-gapped machine (for `machine grant` at the vendor)')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Activate an air-gapped machine from its request code and print its machine file')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;machine;help;checkout' {
            break
        }
        'keyctl;machine;help;verify' {
            break
        }
        'keyctl;machine;help;request' {
            break
        }
        'keyctl;machine;help;grant' {
            break
        }
        'keyctl;machine;help;help' {
            break
        }
        'keyctl;status-list' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Sign the current status list (a statuslist+jwt) and print it or write it to a file')
            [CompletionResult]::new('uri', 'uri', [CompletionResultType]::ParameterValue, 'Show the URI licenses issued from now on refer to, or set it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;status-list;publish' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'How long the list is valid: products refuse it afterwards (status_unknown)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the list to FILE instead of stdout')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite FILE if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;status-list;uri' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;status-list;help' {
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Sign the current status list (a statuslist+jwt) and print it or write it to a file')
            [CompletionResult]::new('uri', 'uri', [CompletionResultType]::ParameterValue, 'Show the URI licenses issued from now on refer to, or set it')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;status-list;help;publish' {
            break
        }
        'keyctl;status-list;help;uri' {
            break
        }
        'keyctl;status-list;help;help' {
            break
        }
        'keyctl;store' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Bring a PostgreSQL store''s schema up to this release (an embedded store needs nothing)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every record of one store into another (created if absent); safe to run twice')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;store;migrate' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;store;copy' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The store to copy from: a directory or a postgres:// URL [default: --store]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The store to copy into: a directory or a postgres:// URL')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;store;help' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Bring a PostgreSQL store''s schema up to this release (an embedded store needs nothing)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every record of one store into another (created if absent); safe to run twice')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;store;help;migrate' {
            break
        }
        'keyctl;store;help;copy' {
            break
        }
        'keyctl;store;help;help' {
            break
        }
        'keyctl;completions' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;man' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store: a directory (embedded sled store), or a postgres://user@host:port/db URL (shared PostgreSQL store) [default: $XDG_DATA_HOME/keyctl or ~/.local/share/keyctl]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON instead of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'keyctl;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a store with a first signing key')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Manage signing keys')
            [CompletionResult]::new('product', 'product', [CompletionResultType]::ParameterValue, 'Manage products')
            [CompletionResult]::new('license', 'license', [CompletionResultType]::ParameterValue, 'Issue and manage licenses')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a license offline (exit code tells the outcome)')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a request for a license (KEYCTL1-HMAC-SHA256 or MIO4-HMAC-SHA256)')
            [CompletionResult]::new('signer', 'signer', [CompletionResultType]::ParameterValue, 'Run the request signer as an HTTP service beside the product')
            [CompletionResult]::new('verify-request', 'verify-request', [CompletionResultType]::ParameterValue, 'Check a signed request, then the license itself when keys are available')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the validation and activation server')
            [CompletionResult]::new('activation', 'activation', [CompletionResultType]::ParameterValue, 'List and remove machine activations')
            [CompletionResult]::new('machine', 'machine', [CompletionResultType]::ParameterValue, 'Signed machine files for offline products, and air-gapped activation')
            [CompletionResult]::new('status-list', 'status-list', [CompletionResultType]::ParameterValue, 'The signed status list: license standing for offline products')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Migrate a store''s schema, or copy a store into another')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'keyctl;help;init' {
            break
        }
        'keyctl;help;key' {
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate a new key, trusted but not yet signing (activate it with `key rotate KID`)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Make a new key (or the trusted key KID) the active signing key; older keys stay trusted')
            [CompletionResult]::new('retire', 'retire', [CompletionResultType]::ParameterValue, 'Stop trusting a key: licenses it signed no longer verify')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a PKCS#8 PEM Ed25519 private key (plain or encrypted) as a trusted key')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export a key (default: the active key) as PEM, JWK or JWKS')
            [CompletionResult]::new('encrypt', 'encrypt', [CompletionResultType]::ParameterValue, 'Encrypt the store''s signing keys under a passphrase (from KEYCTL_PASSPHRASE_FILE, else asked)')
            [CompletionResult]::new('decrypt', 'decrypt', [CompletionResultType]::ParameterValue, 'Store the signing keys in clear again (needs the passphrase)')
            break
        }
        'keyctl;help;key;generate' {
            break
        }
        'keyctl;help;key;list' {
            break
        }
        'keyctl;help;key;rotate' {
            break
        }
        'keyctl;help;key;retire' {
            break
        }
        'keyctl;help;key;import' {
            break
        }
        'keyctl;help;key;export' {
            break
        }
        'keyctl;help;key;encrypt' {
            break
        }
        'keyctl;help;key;decrypt' {
            break
        }
        'keyctl;help;product' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a product (it also gets the next sequential number)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List products')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one product, by id or number')
            break
        }
        'keyctl;help;product;add' {
            break
        }
        'keyctl;help;product;list' {
            break
        }
        'keyctl;help;product;show' {
            break
        }
        'keyctl;help;license' {
            [CompletionResult]::new('issue', 'issue', [CompletionResultType]::ParameterValue, 'Issue a license: prints its id, short key, JWT and signer secret')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List licenses')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a license by id or short key')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a license for good')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Suspend a license until it is reinstated')
            [CompletionResult]::new('reinstate', 'reinstate', [CompletionResultType]::ParameterValue, 'Lift a suspension')
            break
        }
        'keyctl;help;license;issue' {
            break
        }
        'keyctl;help;license;list' {
            break
        }
        'keyctl;help;license;show' {
            break
        }
        'keyctl;help;license;revoke' {
            break
        }
        'keyctl;help;license;suspend' {
            break
        }
        'keyctl;help;license;reinstate' {
            break
        }
        'keyctl;help;verify' {
            break
        }
        'keyctl;help;sign' {
            break
        }
        'keyctl;help;signer' {
            break
        }
        'keyctl;help;verify-request' {
            break
        }
        'keyctl;help;serve' {
            break
        }
        'keyctl;help;activation' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List activated machines')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Free a machine''s seat')
            break
        }
        'keyctl;help;activation;list' {
            break
        }
        'keyctl;help;activation;remove' {
            break
        }
        'keyctl;help;machine' {
            [CompletionResult]::new('checkout', 'checkout', [CompletionResultType]::ParameterValue, 'Write the signed machine file of an activated machine')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify a machine file offline (exit code tells the outcome, as for `verify`)')
            [CompletionResult]::new('request', 'request', [CompletionResultType]::ParameterValue, 'Print the request code of an air-gapped machine (for `machine grant` at the vendor)')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Activate an air-gapped machine from its request code and print its machine file')
            break
        }
        'keyctl;help;machine;checkout' {
            break
        }
        'keyctl;help;machine;verify' {
            break
        }
        'keyctl;help;machine;request' {
            break
        }
        'keyctl;help;machine;grant' {
            break
        }
        'keyctl;help;status-list' {
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Sign the current status list (a statuslist+jwt) and print it or write it to a file')
            [CompletionResult]::new('uri', 'uri', [CompletionResultType]::ParameterValue, 'Show the URI licenses issued from now on refer to, or set it')
            break
        }
        'keyctl;help;status-list;publish' {
            break
        }
        'keyctl;help;status-list;uri' {
            break
        }
        'keyctl;help;store' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Bring a PostgreSQL store''s schema up to this release (an embedded store needs nothing)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every record of one store into another (created if absent); safe to run twice')
            break
        }
        'keyctl;help;store;migrate' {
            break
        }
        'keyctl;help;store;copy' {
            break
        }
        'keyctl;help;completions' {
            break
        }
        'keyctl;help;man' {
            break
        }
        'keyctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
