<?php
// A fake of what the traffic generator talks to, for `php -S 127.0.0.1:PORT fake-nextcloud.php` in the
// generator's tests: Nextcloud's app password endpoints and WebDAV files (PUT, GET, DELETE), and the
// lab probe (index, write, read). State lives in files under $FAKE_NC_DIR. $FAKE_NC_FAIL names a step
// (upload, download, ...) that answers 500, to test what the users do after a failure.
declare(strict_types=1);

$dir = (string)getenv('FAKE_NC_DIR');
$fail = (string)getenv('FAKE_NC_FAIL');
$method = $_SERVER['REQUEST_METHOD'];
$path = (string)parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$user = $_SERVER['PHP_AUTH_USER'] ?? '';
$pass = $_SERVER['PHP_AUTH_PW'] ?? '';
header('X-Lab-Web-Node: fake1');
header('X-Lab-Web-Time: D=1234');
file_put_contents("$dir/runs.log", ($_SERVER['HTTP_X_LAB_RUN'] ?? '-') . "\n", FILE_APPEND | LOCK_EX);

function answer(int $status, string $body = ''): never { http_response_code($status); echo $body; exit; }
function token_ok(string $dir, string $user, string $pass): bool { return is_file("$dir/token-" . md5($pass)) && file_get_contents("$dir/token-" . md5($pass)) === $user; }
// WebDAV takes the account's password (as the drills send it) or an app password.
function auth_ok(string $dir, string $user, string $pass): bool { return str_starts_with($pass, 'pw-') || token_ok($dir, $user, $pass); }

if ($path === '/ocs/v2.php/core/getapppassword' && $method === 'GET') {
    if ($user === '' || !str_starts_with($pass, 'pw-') || ($_SERVER['HTTP_OCS_APIREQUEST'] ?? '') !== 'true') answer(401);
    $token = 'tok-' . bin2hex(random_bytes(8));
    file_put_contents("$dir/token-" . md5($token), $user);
    answer(200, json_encode(['ocs' => ['meta' => ['statuscode' => 200], 'data' => ['apppassword' => $token]]]));
}
if ($path === '/ocs/v2.php/core/apppassword' && $method === 'DELETE') {
    if (!token_ok($dir, $user, $pass)) answer(403);
    unlink("$dir/token-" . md5($pass));
    answer(200, json_encode(['ocs' => ['meta' => ['statuscode' => 200], 'data' => []]]));
}
if (preg_match('#^/remote\.php/dav/files/([^/]+)/(.+)$#', $path, $m)) {
    if (urldecode($m[1]) !== $user || !auth_ok($dir, $user, $pass)) answer(401);
    if ($method === 'MKCOL') answer(201);
    $file = "$dir/dav-" . md5($user . '/' . $m[2]);
    $step = match ($method) { 'PUT' => str_ends_with($m[2], '.docx') ? 'doc-write' : 'upload', 'GET' => 'download', default => 'delete' };
    if ($fail === $step) answer(500, 'failing on purpose');
    if ($method === 'PUT') {
        $existed = is_file($file);
        file_put_contents($file, file_get_contents('php://input'));
        answer($existed ? 204 : 201);
    }
    if (!is_file($file)) answer(404);
    if ($method === 'GET') answer(200, (string)file_get_contents($file));
    unlink($file);
    answer(204);
}
// The lab probe, as the drill mix reads it.
$ok = ['ok' => true, 'error' => null];
if ($path === '/lab-probe/write.php') {
    $body = file_get_contents('php://input');
    file_put_contents("$dir/w-" . md5((string)$_GET['id']), $body);
    answer(200, json_encode(['ok' => true, 'sha256' => hash('sha256', $body), 'web' => 'fake1', 'db' => 'db1']));
}
if ($path === '/lab-probe/read.php') {
    $sum = hash('sha256', (string)@file_get_contents("$dir/w-" . md5((string)$_GET['id'])));
    answer(200, json_encode(['file_sha256' => $sum, 'row_sha256' => $sum, 'web' => 'fake1', 'db' => 'db1']));
}
if ($path === '/lab-probe/') {
    answer(200, json_encode(['web' => 'fake1', 'db' => ['ok' => true, 'node' => 'db1'], 'redis' => $ok,
        'session' => ['ok' => true, 'counter' => 1], 'storage' => $ok]));
}
answer(404);
