<?php
// GET /lab-probe/: which web node served, the DB node that answered through the router, Redis, a
// Redis-backed session counter and a write-then-read on the shared volume.
declare(strict_types=1);
require __DIR__ . '/lib.php';

$c = probe_config();

$db = timed(static function (): string {
    $db = db();
    $host = $db->query('SELECT @@hostname')->fetch_row()[0];
    $db->close();
    return $host;
});

$redis = timed(static function (): string {
    $r = redis_client();
    $r->ping();
    return (string) ($r->info('replication')['role'] ?? '');
});

$session = timed(static function (): array {
    if (!session_start()) {
        throw new RuntimeException('session_start failed');
    }
    $_SESSION['counter'] = ($_SESSION['counter'] ?? 0) + 1;
    $out = ['id_hash' => substr(hash('sha256', session_id()), 0, 16), 'counter' => $_SESSION['counter']];
    session_write_close();
    return $out;
});

$storage = timed(static function () use ($c): bool {
    require_volume();
    // A file of this request's own: concurrent requests on one node once shared health/<node>.txt, and
    // while a brick was failing over, one's rename under another's read showed as ESTALE/ENOENT, a
    // failure of the probe, not of the storage.
    $path = $c['storage'] . '/health/' . $c['node'] . '-' . bin2hex(random_bytes(6)) . '.txt';
    $data = bin2hex(random_bytes(16));
    write_durably($path, $data);
    if (file_get_contents($path) !== $data) {
        throw new RuntimeException("read back of $path differs");
    }
    unlink($path);
    return true;
});

answer(200, [
    'web' => $c['node'],
    'db' => ['ok' => $db['ok'], 'node' => $db['value'], 'ms' => $db['ms'], 'error' => $db['error']],
    'redis' => ['ok' => $redis['ok'], 'role' => $redis['value'], 'ms' => $redis['ms'], 'error' => $redis['error']],
    'session' => [
        'ok' => $session['ok'],
        'id_hash' => $session['value']['id_hash'] ?? null,
        'counter' => $session['value']['counter'] ?? null,
        'error' => $session['error'],
    ],
    'storage' => ['ok' => $storage['ok'], 'ms' => $storage['ms'], 'error' => $storage['error']],
]);
