<?php
// The load test's scenarios: closed-loop virtual users (each waits for its answer, thinks, then sends
// the next request) of real Nextcloud accounts, through the front, over WebDAV and OCS.
//   transfer: log in once, then each iteration uploads a file of random bytes, downloads it back,
//             checks it by checksum and deletes it; log out at the end.
//   activity: each iteration is a session: log in (an app password from OCS), create a .docx, write
//             new content to it, read it back (checksum), delete it, log out (the app password deleted).
// A step whose prerequisite failed in this iteration is skipped (not sent), so one failure is counted once.
declare(strict_types=1);

require_once __DIR__ . '/docx.php';

/** Bytes that look random and are the same for the same key: AES-128-CTR of zeros keyed by the key. */
function lab_random(string $key, int $size): string {
    $k = substr(hash('sha256', $key, true), 0, 16);
    return (string)openssl_encrypt(str_repeat("\0", $size), 'aes-128-ctr', $k, OPENSSL_RAW_DATA, str_repeat("\0", 16));
}

final class VUser {
    public ?string $token = null; // the app password while logged in
    public int $iter = 0;
    public array $queue = [];     // steps left in this iteration
    public array $ok = [];        // steps that succeeded in this iteration
    public array $file = [];      // the file in use: path, sum (xxh128), size
    public bool $busy = false;
    public bool $closing = false;
    public bool $done = false;

    public function __construct(public int $i, public string $name, public string $password, public float $wake) {}
}

final class Users implements Scenario {
    // What a step needs to have succeeded first ('login': the user holds an app password).
    private const NEEDS = ['upload' => 'login', 'download' => 'upload', 'delete' => 'upload', 'logout' => 'login',
        'doc-create' => 'login', 'doc-write' => 'doc-create', 'doc-read' => 'doc-write', 'doc-delete' => 'doc-create'];
    private const WORDS = ['lab', 'load', 'galera', 'redis', 'gluster', 'haproxy', 'apache', 'nextcloud', 'quorum',
        'replica', 'failover', 'session', 'primary', 'arbiter', 'client', 'document', 'report', 'latency'];
    private const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    /** @var list<VUser> */
    private array $users = [];
    private int $seq = 0;

    /** $o: iterations (0: until the deadline), size (bytes), ramp and think (s), seed. */
    public function __construct(private Http $http, private string $scenario, array $accounts, private array $o,
        private float $deadline) {
        mt_srand($o['seed']);
        $t0 = microtime(true);
        $n = count($accounts);
        foreach (array_values($accounts) as $i => $a) {
            $this->users[] = new VUser($i, (string)$a['name'], (string)$a['password'], $t0 + $o['ramp'] * $i / max(1, $n));
        }
    }

    public function due(float $now): array {
        $out = [];
        foreach ($this->users as $u) {
            if ($u->busy || $u->done || $now < $u->wake) continue;
            $step = $this->next($u, $now);
            if ($step === null) continue;
            $u->busy = true;
            $out[] = $this->request($u, $step);
        }
        return $out;
    }

    public function wait(float $now): float {
        $w = 1.0;
        foreach ($this->users as $u) if (!$u->busy && !$u->done) $w = min($w, max(0.0, $u->wake - $now));
        return $w;
    }

    public function finished(float $now): bool {
        foreach ($this->users as $u) if (!$u->done) return false;
        return true;
    }

    // The user's next step: the rest of this iteration, a new one until the deadline or the iteration
    // count, then the closing steps; null when the user has nothing left to do.
    private function next(VUser $u, float $now): ?string {
        for (;;) {
            while ($u->queue) {
                $step = array_shift($u->queue);
                $need = self::NEEDS[$step] ?? null;
                if ($need === null || ($need === 'login' ? $u->token !== null : isset($u->ok[$need]))) return $step;
            }
            if ($u->closing) { $u->done = true; return null; }
            if ($now < $this->deadline && ($this->o['iterations'] === 0 || $u->iter < $this->o['iterations'])) {
                $u->iter++;
                $u->ok = [];
                $u->queue = $this->scenario === 'transfer'
                    ? [...($u->token === null ? ['login'] : []), 'upload', 'download', 'delete']
                    : ['login', 'doc-create', 'doc-write', 'doc-read', 'doc-delete', 'logout'];
                continue;
            }
            $u->closing = true;
            $u->queue = $u->token !== null ? ['logout'] : [];
        }
    }

    private function request(VUser $u, string $step): array {
        $seq = $this->seq++;
        $dav = $this->http->front . '/remote.php/dav/files/' . rawurlencode($u->name) . '/';
        $ocs = $this->http->front . '/ocs/v2.php/core/';
        $auth = [CURLOPT_USERPWD => $u->name . ':' . ($step === 'login' ? $u->password : (string)$u->token)];
        $api = ['OCS-APIRequest: true', 'Accept: application/json'];
        $del = [CURLOPT_CUSTOMREQUEST => 'DELETE'] + $auth;
        if ($step === 'upload' || $step === 'doc-create' || $step === 'doc-write') {
            $v = $step === 'doc-write' ? 2 : 1;
            $body = $step === 'upload'
                ? lab_random("{$this->o['seed']}/{$u->i}/{$u->iter}", $this->o['size'])
                : lab_docx($this->text($u, $v));
            $u->file = ['path' => "load-{$u->iter}." . ($step === 'upload' ? 'bin' : 'docx'), 'sum' => hash('xxh128', $body)];
            $type = $step === 'upload' ? 'application/octet-stream' : self::DOCX;
            // No `Expect: 100-continue`: the body goes at once, as in the drills.
            $r = $this->http->open($seq, $step, $dav . $u->file['path'], ["Content-Type: $type", 'Expect:'],
                [CURLOPT_CUSTOMREQUEST => 'PUT', CURLOPT_POSTFIELDS => $body] + $auth);
        } else {
            $r = match ($step) {
                'login' => $this->http->open($seq, $step, $ocs . 'getapppassword?format=json', $api, $auth),
                'logout' => $this->http->open($seq, $step, $ocs . 'apppassword?format=json', $api, $del),
                'download', 'doc-read' => $this->http->open($seq, $step, $dav . $u->file['path'], [], $auth),
                'delete', 'doc-delete' => $this->http->open($seq, $step, $dav . $u->file['path'], [], $del),
            };
        }
        $r[1] += ['user' => $u->i] + (isset($u->file['path']) && $step !== 'login' && $step !== 'logout' ? ['id' => $u->file['path']] : []);
        return $r;
    }

    // A document's text, the same for the same seed, user, iteration and version.
    private function text(VUser $u, int $v): string {
        $words = array_map(fn ($c) => self::WORDS[ord($c) % count(self::WORDS)],
            str_split(hash('sha256', "{$this->o['seed']}/{$u->i}/{$u->iter}/$v", true)));
        return "Lab load test: {$u->name}, iteration {$u->iter}, version $v\n" . implode(' ', $words);
    }

    public function done(array $req, array $a): array {
        $u = $this->users[$req['user']];
        $u->busy = false;
        $t = $this->o['think'];
        $u->wake = microtime(true) + ($t > 0 ? $t * (0.5 + mt_rand() / mt_getrandmax()) : 0.0);
        $req = $this->judge($u, $req, $a);
        if ($req['ok']) $u->ok[$req['kind']] = true;
        // A rejected app password: the next iteration logs in again instead of failing every step.
        if ($a['status'] === 401 && $req['kind'] !== 'login') $u->token = null;
        return $req;
    }

    private function judge(VUser $u, array $req, array $a): array {
        ['status' => $s, 'body' => $body, 'sum' => $sum, 'err' => $err] = $a;
        if ($req['kind'] === 'logout') $u->token = null; // whatever the answer: the next login gets a new one
        if ($err !== '') { $req['err'] = $err; return $req; }
        switch ($req['kind']) {
            case 'login':
                $token = json_decode($body, true)['ocs']['data']['apppassword'] ?? null;
                $req['ok'] = $s === 200 && is_string($token);
                if ($req['ok']) $u->token = $token;
                break;
            case 'logout':
                $req['ok'] = $s === 200;
                break;
            case 'upload':
            case 'doc-create':
                $req['ok'] = $s === 201;
                break;
            case 'doc-write':
                $req['ok'] = $s === 204 || $s === 201;
                break;
            case 'download':
            case 'doc-read':
                $req['ok'] = $s === 200 && $sum === $u->file['sum'];
                if ($s === 200 && !$req['ok']) $req['err'] = 'read back, but the checksum differs from what was written';
                break;
            default: // delete, doc-delete
                $req['ok'] = $s === 204;
        }
        if (!$req['ok'] && !isset($req['err'])) $req['err'] = "HTTP $s: " . snippet($body);
        return $req;
    }
}
