<?php
// POST /lab-probe/write.php?id=<id>: the body goes to the shared volume (fsync) and a row (id, sha256,
// size, web node) into labprobe.writes through the router. 200 only once both are durable, so a
// drill can prove that no acknowledged write was lost.
declare(strict_types=1);
require __DIR__ . '/lib.php';

if ($_SERVER['REQUEST_METHOD'] !== 'POST') {
    answer(405, ['ok' => false, 'error' => 'POST the data to store']);
}
$c = probe_config();
$id = valid_id($_GET['id'] ?? null);
$body = file_get_contents('php://input');
$sha = hash('sha256', $body);

$file = timed(static function () use ($c, $id, $body): void {
    require_volume();
    write_durably($c['storage'] . '/writes/' . $id, $body);
});
if (!$file['ok']) {
    answer(503, ['ok' => false, 'id' => $id, 'web' => $c['node'], 'stage' => 'storage', 'error' => $file['error']]);
}

$row = timed(static function () use ($c, $id, $sha, $body): string {
    $db = db();
    $host = $db->query('SELECT @@hostname')->fetch_row()[0];
    with_writes_table($db, static function (mysqli $db) use ($c, $id, $sha, $body, $host): void {
        $size = strlen($body);
        $stmt = $db->prepare('REPLACE INTO writes (id, sha256, size, web, db) VALUES (?, ?, ?, ?, ?)');
        $stmt->bind_param('ssiss', $id, $sha, $size, $c['node'], $host);
        $stmt->execute();
    });
    return $host;
});
if (!$row['ok']) {
    answer(503, ['ok' => false, 'id' => $id, 'web' => $c['node'], 'stage' => 'db', 'error' => $row['error']]);
}
answer(200, ['ok' => true, 'id' => $id, 'sha256' => $sha, 'web' => $c['node'], 'db' => $row['value'], 'ms' => ['storage' => $file['ms'], 'db' => $row['ms']]]);
