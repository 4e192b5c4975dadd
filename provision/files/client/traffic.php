<?php
// Drill traffic: an open-loop mix of probe requests through the front address, one JSON line per request.
// Open loop (a new request every 1/rate s whatever the others do) so a stall shows as a gap, not as a
// slower client; no request is ever retried. Runs for --duration s, or until the --stop file exists.
// With --dav (a JSON file {base, user, password}: base is https://<front>/remote.php/dav/files/<user>,
// the Nextcloud WebDAV root of that user), the mix also PUTs files into <base>/lab-drill/ and GETs
// acknowledged ones back, as the Nextcloud desktop client and `curl -T` do (basic auth, no cookies).
// Usage: php traffic.php --front=https://10.0.2.10 --ca=/opt/lab/tls/ca.crt --out=F --pid=F --stop=F
//        [--rate=10] [--duration=300] [--timeout=10] [--run=ID] [--dav=FILE]
declare(strict_types=1);

$o = getopt('', ['front:', 'ca:', 'out:', 'pid:', 'stop:', 'rate::', 'duration::', 'timeout::', 'run::', 'dav::']);
foreach (['front', 'ca', 'out', 'pid', 'stop'] as $k) {
    if (!isset($o[$k])) { fwrite(STDERR, "traffic.php: --$k is required\n"); exit(2); }
}
$front = rtrim((string)$o['front'], '/');
$rate = max(1.0, (float)($o['rate'] ?? 10));
$deadline = microtime(true) + (float)($o['duration'] ?? 300);
$timeoutMs = (int)(1000 * (float)($o['timeout'] ?? 10));
$run = (string)($o['run'] ?? bin2hex(random_bytes(4)));
$out = fopen((string)$o['out'], 'ab');
file_put_contents((string)$o['pid'], (string)getmypid());

// One shared cookie store: "session" requests carry the PHP session cookie the probe sets.
$share = curl_share_init();
curl_share_setopt($share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
$dav = isset($o['dav']) ? json_decode((string)file_get_contents((string)$o['dav']), true) : null;
if ($dav !== null && !(is_array($dav) && isset($dav['base'], $dav['user'], $dav['password']))) {
    fwrite(STDERR, "traffic.php: --dav must name a JSON file with base, user and password\n"); exit(2);
}
$mix = $dav === null
    ? ['read', 'session', 'write', 'read', 'session', 'write', 'read', 'session', 'write', 'readback']
    : ['read', 'session', 'write', 'dav-put', 'read', 'session', 'write', 'dav-get', 'read', 'session', 'write', 'readback'];
$acked = [];   // id => sha256 of writes the server acknowledged, for read-backs
$davAcked = []; // path under the WebDAV root => sha256 of files Nextcloud acknowledged
$servedBy = []; // (int)handle => the X-Lab-Web-Node header of the answer (Nextcloud does not say in its body)
$inflight = []; // (int)handle => request state

function ms(): int { return (int)round(microtime(true) * 1000); }

// The folder the WebDAV files go to; MKCOL answers 201 (created) or 405 (it exists).
function dav_folder(array $dav, string $ca, int $timeoutMs): void {
    $h = curl_init(rtrim($dav['base'], '/') . '/lab-drill');
    curl_setopt_array($h, [CURLOPT_CUSTOMREQUEST => 'MKCOL', CURLOPT_USERPWD => $dav['user'] . ':' . $dav['password'],
        CURLOPT_RETURNTRANSFER => true, CURLOPT_CAINFO => $ca, CURLOPT_TIMEOUT_MS => $timeoutMs]);
    $body = (string)curl_exec($h);
    $status = (int)curl_getinfo($h, CURLINFO_RESPONSE_CODE);
    if ($status !== 201 && $status !== 405) {
        fwrite(STDERR, "traffic.php: MKCOL lab-drill answered HTTP $status " . curl_error($h) . ' ' . substr(trim((string)preg_replace('/\s+/', ' ', strip_tags($body))), 0, 200) . "\n");
        exit(3);
    }
    curl_close($h);
}

function start_request(string $kind, int $seq): array {
    global $front, $o, $timeoutMs, $run, $share, $acked, $dav, $davAcked;
    $req = ['seq' => $seq, 'kind' => $kind, 't' => ms()];
    $url = "$front/lab-probe/";
    $h = curl_init();
    if ($kind === 'dav-get' && !$davAcked) $kind = $req['kind'] = 'dav-put';
    if ($kind === 'dav-put') {
        $body = "dav $run $seq " . bin2hex(random_bytes(2048));
        $req['id'] = "lab-drill/$run-$seq.txt";
        $req['sha256'] = hash('sha256', $body);
        $url = rtrim($dav['base'], '/') . '/' . $req['id'];
        // No `Expect: 100-continue` (curl adds it above 1 KiB): the body goes at once, no wait for a 100.
        curl_setopt_array($h, [CURLOPT_CUSTOMREQUEST => 'PUT', CURLOPT_POSTFIELDS => $body,
            CURLOPT_HTTPHEADER => ['Content-Type: application/octet-stream', 'Expect:']]);
    } elseif ($kind === 'dav-get') {
        $id = (string)array_rand($davAcked);
        $req['id'] = $id;
        $req['sha256'] = $davAcked[$id];
        $url = rtrim($dav['base'], '/') . '/' . $id;
    }
    if (str_starts_with($kind, 'dav-')) {
        curl_setopt($h, CURLOPT_USERPWD, $dav['user'] . ':' . $dav['password']);
        curl_setopt($h, CURLOPT_HEADERFUNCTION, static function ($h, string $line): int {
            global $servedBy;
            if (preg_match('/^X-Lab-Web-Node:\s*(\S+)/i', $line, $m)) $servedBy[(int)$h] = $m[1];
            return strlen($line);
        });
    }
    if ($kind === 'write') {
        $body = "drill $run $seq " . bin2hex(random_bytes(512));
        $req['id'] = "$run-$seq";
        $req['sha256'] = hash('sha256', $body);
        $url = "$front/lab-probe/write.php?id=" . rawurlencode($req['id']);
        curl_setopt_array($h, [CURLOPT_POST => true, CURLOPT_POSTFIELDS => $body,
            CURLOPT_HTTPHEADER => ['Content-Type: application/octet-stream']]);
    } elseif ($kind === 'readback' && $acked) {
        $id = array_rand($acked);
        $req['id'] = (string)$id;
        $req['sha256'] = $acked[$id];
        $url = "$front/lab-probe/read.php?id=" . rawurlencode((string)$id);
    } elseif ($kind === 'readback') {
        $req['kind'] = 'read';
    }
    if ($req['kind'] === 'session') curl_setopt_array($h, [CURLOPT_SHARE => $share, CURLOPT_COOKIEFILE => '']);
    curl_setopt_array($h, [CURLOPT_URL => $url, CURLOPT_RETURNTRANSFER => true, CURLOPT_CAINFO => $o['ca'],
        CURLOPT_TIMEOUT_MS => $timeoutMs, CURLOPT_CONNECTTIMEOUT_MS => min($timeoutMs, 5000)]);
    return [$h, $req];
}

// Judges one answer: a 200 is a success only when the probe says every tier answered.
function judge(array $req, int $status, string $body, string $err): array {
    global $acked, $davAcked;
    $req['end'] = ms();
    $req['ms'] = (int)round($req['end'] - $req['t']);
    $req['status'] = $status;
    $req['ok'] = false;
    if ($err !== '') { $req['err'] = $err; return $req; }
    if ($req['kind'] === 'dav-put') {
        // 201 Created (204 had the file existed) is Nextcloud's acknowledgement; anything else is not one.
        $req['ok'] = $status === 201 || $status === 204;
        if ($req['ok']) $davAcked[$req['id']] = $req['sha256'];
        else $req['err'] = "WebDAV PUT answered HTTP $status: " . substr($body, 0, 160);
        return $req;
    }
    if ($req['kind'] === 'dav-get') {
        $req['ok'] = $status === 200 && hash('sha256', $body) === $req['sha256'];
        if (!$req['ok']) $req['err'] = $status === 200 ? 'WebDAV GET: checksum differs from the acknowledged PUT' : "WebDAV GET answered HTTP $status";
        return $req;
    }
    $j = json_decode($body, true);
    if ($status !== 200 || !is_array($j)) { $req['err'] = "HTTP $status: " . substr($body, 0, 160); return $req; }
    $req['web'] = $j['web'] ?? null;
    // index.php answers db as {ok, node}, write.php as the node's name.
    $db = $j['db'] ?? null;
    $db = is_array($db) ? ($db['node'] ?? null) : $db;
    if (is_string($db)) $req['db'] = $db;
    if ($req['kind'] === 'write') {
        $req['ok'] = ($j['ok'] ?? false) === true && ($j['sha256'] ?? '') === $req['sha256'];
        if ($req['ok']) $acked[$req['id']] = $req['sha256'];
        else $req['err'] = 'write not acknowledged with the body checksum';
    } elseif ($req['kind'] === 'readback') {
        $req['ok'] = ($j['file_sha256'] ?? '') === $req['sha256'] && ($j['row_sha256'] ?? '') === $req['sha256'];
        if (!$req['ok']) $req['err'] = 'read-back checksum differs from the acknowledged write';
    } else {
        $parts = [];
        foreach (['db', 'redis', 'session', 'storage'] as $k) $parts[$k] = is_array($j[$k] ?? null) && ($j[$k]['ok'] ?? false) === true;
        $bad = array_keys(array_filter($parts, fn ($v) => !$v));
        $req['ok'] = $bad === [];
        // The tier's own words (e.g. "read error on connection"), so a report says why, not just where.
        $why = array_map(fn ($k) => "$k: " . substr((string)($j[$k]['error'] ?? '?'), 0, 80), $bad);
        if (!$req['ok']) $req['err'] = 'probe reports failing: ' . implode('; ', $why);
        if (isset($j['session']['counter'])) $req['counter'] = (int)$j['session']['counter'];
    }
    return $req;
}

if ($dav !== null) dav_folder($dav, (string)$o['ca'], $timeoutMs);
$mh = curl_multi_init();
$next = microtime(true);
$seq = 0;
while (true) {
    $now = microtime(true);
    $stopping = $now >= $deadline || file_exists((string)$o['stop']);
    if (!$stopping && $now >= $next) {
        [$h, $req] = start_request($mix[$seq % count($mix)], $seq);
        $seq++;
        $inflight[(int)$h] = [$h, $req];
        curl_multi_add_handle($mh, $h);
        $next += 1 / $rate;
    }
    curl_multi_exec($mh, $active);
    while ($info = curl_multi_info_read($mh)) {
        $h = $info['handle'];
        [, $req] = $inflight[(int)$h];
        unset($inflight[(int)$h]);
        $err = $info['result'] === CURLE_OK ? '' : curl_strerror($info['result']) . ': ' . curl_error($h);
        if (isset($servedBy[(int)$h])) $req['web'] = $servedBy[(int)$h];
        unset($servedBy[(int)$h]);
        $rec = judge($req, (int)curl_getinfo($h, CURLINFO_RESPONSE_CODE), (string)curl_multi_getcontent($h), $err);
        fwrite($out, json_encode($rec, JSON_UNESCAPED_SLASHES) . "\n");
        fflush($out);
        curl_multi_remove_handle($mh, $h);
        curl_close($h);
    }
    if ($stopping && !$inflight) break;
    $wait = max(0.0, min(0.05, $next - microtime(true)));
    if (curl_multi_select($mh, $wait) === -1) usleep((int)($wait * 1e6));
}
fclose($out);
