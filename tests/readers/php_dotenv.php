#!/usr/bin/env php
<?php
// Conformance reader: vlucas/phpdotenv (Debian package php-vlucas-phpdotenv 5.4.1; see install.sh).
// Usage: php_dotenv.php FILE -> {"KEY": "value", ...} on stdout.
//
// Dotenv::createImmutable(dir, name)->load(), the documented default (Laravel does the same
// through its own repository): returns the variables it set. `${VAR}` is resolved in
// unquoted and double-quoted values from the process environment and earlier keys.
// - Multi-line values only inside double quotes; single quotes end at the next `'`.
// - Double quotes: `\"`, `\\`, `\$`, `\f`, `\n`, `\r`, `\t`, `\v`; any other escape rejects the file.
// A file it cannot parse (InvalidFileException...) is exit 1: the app does not boot.
declare(strict_types=1);

if ($argc !== 2) {
    fwrite(STDERR, "usage: php_dotenv.php FILE\n");
    exit(2);
}
$autoload = '/usr/share/php/Dotenv/autoload.php';
if (!is_file($autoload)) {
    fwrite(STDERR, "reader: $autoload missing; run tests/readers/install.sh\n");
    exit(2);
}
require $autoload;
$path = $argv[1];
if (!is_file($path)) {
    fwrite(STDERR, "reader: no such file: $path\n");
    exit(2);
}
try {
    $vars = Dotenv\Dotenv::createImmutable(dirname($path), basename($path))->load();
} catch (Dotenv\Exception\ExceptionInterface $e) {
    fwrite(STDERR, 'phpdotenv: ' . $e->getMessage() . "\n");
    exit(1);
}
$out = json_encode((object) $vars);
if ($out === false) {
    fwrite(STDERR, 'reader: cannot print the result as JSON: ' . json_last_error_msg() . "\n");
    exit(2);
}
fwrite(STDOUT, $out . "\n");
