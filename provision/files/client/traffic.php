<?php
// Drill traffic: an open-loop mix of probe requests through the front address, one JSON line per request.
// Open loop (a new request every 1/rate s whatever the others do) so a stall shows as a gap, not as a
// slower client; no request is ever retried. Runs for --duration s, or until the --stop file exists.
// Usage: php traffic.php --front=https://10.0.2.10 --ca=/opt/lab/tls/ca.crt --out=F --pid=F --stop=F
//        [--rate=10] [--duration=300] [--timeout=10] [--run=ID]
declare(strict_types=1);

$o = getopt('', ['front:', 'ca:', 'out:', 'pid:', 'stop:', 'rate::', 'duration::', 'timeout::', 'run::']);
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
$mix = ['read', 'session', 'write', 'read', 'session', 'write', 'read', 'session', 'write', 'readback'];
$acked = [];   // id => sha256 of writes the server acknowledged, for read-backs
$inflight = []; // (int)handle => request state

function ms(): int { return (int)round(microtime(true) * 1000); }

function start_request(string $kind, int $seq): array {
    global $front, $o, $timeoutMs, $run, $share, $acked;
    $req = ['seq' => $seq, 'kind' => $kind, 't' => ms()];
    $url = "$front/lab-probe/";
    $h = curl_init();
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
    global $acked;
    $req['end'] = ms();
    $req['ms'] = (int)round($req['end'] - $req['t']);
    $req['status'] = $status;
    $req['ok'] = false;
    $j = json_decode($body, true);
    if ($err !== '') { $req['err'] = $err; return $req; }
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
        if (!$req['ok']) $req['err'] = 'probe reports failing: ' . implode(',', $bad);
        if (isset($j['session']['counter'])) $req['counter'] = (int)$j['session']['counter'];
    }
    return $req;
}

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
