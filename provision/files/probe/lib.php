<?php
// The lab probe's shared code: configuration, JSON answers, the database through the router and the
// shared volume. A diagnostic of the stack under Nextcloud; it never pretends to be Nextcloud.
declare(strict_types=1);

// Warnings (a refused Redis connection, a failed fopen) become exceptions, so every failure is reported.
set_error_handler(static function (int $no, string $msg, string $file, int $line): bool {
    throw new ErrorException($msg, 0, $no, $file, $line);
});

function probe_config(): array
{
    static $config = null;
    return $config ??= require '/etc/lab-probe/config.php';
}

function answer(int $code, array $body): never
{
    http_response_code($code);
    header('Content-Type: application/json');
    header('Cache-Control: no-store');
    echo json_encode($body, JSON_UNESCAPED_SLASHES), "\n";
    exit;
}

function ms(int $start): float
{
    return round((hrtime(true) - $start) / 1e6, 1);
}

/** Runs $fn and returns ['ok' => bool, 'ms' => float, 'value' => ..., 'error' => ...]. */
function timed(callable $fn): array
{
    $start = hrtime(true);
    try {
        $value = $fn();
        return ['ok' => true, 'ms' => ms($start), 'value' => $value, 'error' => null];
    } catch (Throwable $e) {
        return ['ok' => false, 'ms' => ms($start), 'value' => null, 'error' => $e->getMessage()];
    }
}

function db(): mysqli
{
    $c = probe_config()['db'];
    mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
    $db = mysqli_init();
    $db->options(MYSQLI_OPT_CONNECT_TIMEOUT, 3);
    $db->options(MYSQLI_OPT_READ_TIMEOUT, 15);
    // Numbers come back as numbers (mysqlnd), so JSON answers carry `"size":5`, not `"5"`.
    $db->options(MYSQLI_OPT_INT_AND_FLOAT_NATIVE, 1);
    $db->real_connect($c['host'], $c['user'], $c['password'], $c['name'], (int) $c['port']);
    return $db;
}

function redis_client(): Redis
{
    $c = probe_config()['redis'];
    $r = new Redis();
    $r->connect($c['host'], (int) $c['port'], 2.0, null, 0, 2.0);
    $r->auth($c['password']);
    return $r;
}

/** True when the shared volume is a mount (another device than its parent), not an empty directory. */
function volume_mounted(): bool
{
    $mount = probe_config()['mount'];
    // '' : no shared volume (all-in-one, one web node): the data directory is on the node's own disk.
    if ($mount === '') return is_dir(probe_config()['storage']);
    $m = @stat($mount);
    $parent = @stat(dirname($mount));
    return $m !== false && $parent !== false && $m['dev'] !== $parent['dev'];
}

function require_volume(): void
{
    if (!volume_mounted()) {
        throw new RuntimeException('the shared volume ' . probe_config()['mount'] . ' is not mounted');
    }
}

/** Writes $data to $path durably: a temporary file, fsync, then rename over the target. */
function write_durably(string $path, string $data): void
{
    $tmp = dirname($path) . '/.' . basename($path) . '.' . bin2hex(random_bytes(4));
    $fp = fopen($tmp, 'xb');
    try {
        if (fwrite($fp, $data) !== strlen($data) || !fflush($fp) || !fsync($fp)) {
            throw new RuntimeException("short write or failed fsync on $tmp");
        }
    } finally {
        fclose($fp);
    }
    rename($tmp, $path);
}

function valid_id(mixed $id): string
{
    if (!is_string($id) || !preg_match('/^[A-Za-z0-9._-]{1,64}$/', $id)) {
        answer(400, ['ok' => false, 'error' => 'id must be 1-64 characters of A-Z a-z 0-9 . _ -']);
    }
    return $id;
}

const WRITES_DDL = 'CREATE TABLE IF NOT EXISTS writes (id VARCHAR(64) NOT NULL PRIMARY KEY, '
    . 'sha256 CHAR(64) NOT NULL, size INT UNSIGNED NOT NULL, web VARCHAR(64) NOT NULL, db VARCHAR(64) NOT NULL, '
    . 'at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))';

/** Runs $fn($db); creates the writes table once when it is missing (error 1146) and retries. */
function with_writes_table(mysqli $db, callable $fn): mixed
{
    try {
        return $fn($db);
    } catch (mysqli_sql_exception $e) {
        if ($e->getCode() !== 1146) {
            throw $e;
        }
        $db->query(WRITES_DDL);
        return $fn($db);
    }
}
