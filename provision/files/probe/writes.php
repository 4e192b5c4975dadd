<?php
// GET /lab-probe/writes.php: every row (id, sha256) and every file's sha256, to verify after a drill
// that each acknowledged write is still there and identical.
declare(strict_types=1);
require __DIR__ . '/lib.php';

$c = probe_config();
$rows = timed(static fn () => with_writes_table(db(), static fn (mysqli $db) => $db
    ->query('SELECT id, sha256, size, web, db FROM writes ORDER BY at, id')
    ->fetch_all(MYSQLI_ASSOC)));
$files = timed(static function () use ($c): array {
    require_volume();
    $dir = $c['storage'] . '/writes';
    $out = [];
    foreach (scandir($dir) as $name) {
        if ($name[0] !== '.' && is_file("$dir/$name")) {
            $out[$name] = hash_file('sha256', "$dir/$name");
        }
    }
    return $out;
});
$ok = $rows['ok'] && $files['ok'];
answer($ok ? 200 : 503, [
    'web' => $c['node'],
    'rows' => $rows['value'],
    'files' => $files['ok'] ? (object) $files['value'] : null,
    'error' => $ok ? null : ($rows['error'] ?? $files['error']),
]);
