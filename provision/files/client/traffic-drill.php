<?php
// The drill scenario: an open-loop mix of probe requests (a new one every 1/rate s whatever the others
// do, so a stall shows as a gap, not as a slower client). With $dav ({base, user, password}: base is
// https://<front>/remote.php/dav/files/<user>), the mix also PUTs files into <base>/lab-drill/ and GETs
// acknowledged ones back, as the Nextcloud desktop client and `curl -T` do (basic auth, no cookies).
declare(strict_types=1);

final class DrillMix implements Scenario {
    private const PLAIN = ['read', 'session', 'write', 'read', 'session', 'write', 'read', 'session', 'write', 'readback'];
    private const WITH_DAV = ['read', 'session', 'write', 'dav-put', 'read', 'session', 'write', 'dav-get',
        'read', 'session', 'write', 'readback'];
    private array $acked = [];    // id => sha256 of writes the server acknowledged, for read-backs
    private array $davAcked = []; // path under the WebDAV root => sha256 of files Nextcloud acknowledged
    private float $next;
    private int $seq = 0;
    private $share;

    public function __construct(private Http $http, private float $rate, private float $deadline, private ?array $dav) {
        // One shared cookie store: "session" requests carry the PHP session cookie the probe sets.
        $this->share = curl_share_init();
        curl_share_setopt($this->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
        if ($dav !== null) $this->folder();
        $this->next = microtime(true);
    }

    // The folder the WebDAV files go to; MKCOL answers 201 (created) or 405 (it exists).
    private function folder(): void {
        [$h, , $cap] = $this->http->open(-1, 'mkcol', rtrim($this->dav['base'], '/') . '/lab-drill', [],
            [CURLOPT_CUSTOMREQUEST => 'MKCOL', CURLOPT_USERPWD => $this->dav['user'] . ':' . $this->dav['password']]);
        curl_exec($h);
        $status = (int)curl_getinfo($h, CURLINFO_RESPONSE_CODE);
        if ($status !== 201 && $status !== 405) {
            fwrite(STDERR, "traffic.php: MKCOL lab-drill answered HTTP $status " . curl_error($h) . ' ' . snippet($cap->body, 200) . "\n");
            exit(3);
        }
        curl_close($h);
    }

    public function due(float $now): array {
        if ($now >= $this->deadline || $now < $this->next) return [];
        $this->next += 1 / $this->rate;
        $mix = $this->dav === null ? self::PLAIN : self::WITH_DAV;
        return [$this->start($mix[$this->seq % count($mix)], $this->seq++)];
    }

    public function wait(float $now): float { return max(0.0, $this->next - $now); }

    public function finished(float $now): bool { return $now >= $this->deadline; }

    private function start(string $kind, int $seq): array {
        $front = $this->http->front;
        $run = $this->http->run;
        if ($kind === 'dav-get' && !$this->davAcked) $kind = 'dav-put';
        if ($kind === 'readback' && !$this->acked) $kind = 'read';
        $extra = [];
        $url = "$front/lab-probe/";
        $headers = [];
        $opts = [];
        if ($kind === 'dav-put') {
            $body = "dav $run $seq " . bin2hex(random_bytes(2048));
            $extra = ['id' => "lab-drill/$run-$seq.txt", 'sha256' => hash('sha256', $body)];
            $url = rtrim($this->dav['base'], '/') . '/' . $extra['id'];
            // No `Expect: 100-continue` (curl adds it above 1 KiB): the body goes at once, no wait for a 100.
            $opts = [CURLOPT_CUSTOMREQUEST => 'PUT', CURLOPT_POSTFIELDS => $body];
            $headers = ['Content-Type: application/octet-stream', 'Expect:'];
        } elseif ($kind === 'dav-get') {
            $id = (string)array_rand($this->davAcked);
            $extra = ['id' => $id, 'sha256' => $this->davAcked[$id]];
            $url = rtrim($this->dav['base'], '/') . '/' . $id;
        } elseif ($kind === 'write') {
            $body = "drill $run $seq " . bin2hex(random_bytes(512));
            $extra = ['id' => "$run-$seq", 'sha256' => hash('sha256', $body)];
            $url = "$front/lab-probe/write.php?id=" . rawurlencode($extra['id']);
            $opts = [CURLOPT_POST => true, CURLOPT_POSTFIELDS => $body];
            $headers = ['Content-Type: application/octet-stream'];
        } elseif ($kind === 'readback') {
            $id = (string)array_rand($this->acked);
            $extra = ['id' => $id, 'sha256' => $this->acked[$id]];
            $url = "$front/lab-probe/read.php?id=" . rawurlencode($id);
        }
        if (str_starts_with($kind, 'dav-')) $opts[CURLOPT_USERPWD] = $this->dav['user'] . ':' . $this->dav['password'];
        if ($kind === 'session') $opts += [CURLOPT_SHARE => $this->share, CURLOPT_COOKIEFILE => ''];
        [$h, $req, $cap] = $this->http->open($seq, $kind, $url, $headers, $opts);
        return [$h, $req + $extra, $cap];
    }

    // A 200 is a success only when the probe says every tier answered.
    public function done(array $req, array $a): array {
        ['status' => $status, 'body' => $body, 'err' => $err] = $a;
        if ($err !== '') { $req['err'] = $err; return $req; }
        if ($req['kind'] === 'dav-put') {
            // 201 Created (204 had the file existed) is Nextcloud's acknowledgement; anything else is not one.
            $req['ok'] = $status === 201 || $status === 204;
            if ($req['ok']) $this->davAcked[$req['id']] = $req['sha256'];
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
            if ($req['ok']) $this->acked[$req['id']] = $req['sha256'];
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
}
