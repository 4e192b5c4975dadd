<?php
// GET /lab-probe/read.php?id=<id>: the sha256 of the file on the shared volume and of the row, or null.
declare(strict_types=1);
require __DIR__ . '/lib.php';

$c = probe_config();
$id = valid_id($_GET['id'] ?? null);
$file = timed(static function () use ($c, $id): ?string {
    require_volume();
    $path = $c['storage'] . '/writes/' . $id;
    return is_file($path) ? hash_file('sha256', $path) : null;
});
$row = timed(static function () use ($id): ?string {
    $db = db();
    return with_writes_table($db, static function (mysqli $db) use ($id): ?string {
        $stmt = $db->prepare('SELECT sha256 FROM writes WHERE id = ?');
        $stmt->bind_param('s', $id);
        $stmt->execute();
        return $stmt->get_result()->fetch_row()[0] ?? null;
    });
});
$ok = $file['ok'] && $row['ok'];
answer($ok ? 200 : 503, [
    'id' => $id,
    'web' => $c['node'],
    'file_sha256' => $file['value'],
    'row_sha256' => $row['value'],
    'error' => $ok ? null : ($file['error'] ?? $row['error']),
]);
