<?php
// The traffic engine's core, shared by every scenario: one curl_multi loop, one JSON line per request.
// A scenario says which requests are due and judges each answer; the engine sends, times and records
// them, and sleeps in curl_multi_select between events (no busy loop, no process per request).
declare(strict_types=1);

function ms(): int { return (int)round(microtime(true) * 1000); }

/** What a scenario does: start due requests, judge answers, say when it is done. */
interface Scenario {
    /** Requests to start now, each as Http::open returns it. */
    public function due(float $now): array;
    /** Judges one answer ($a: status, body, sum, err) and returns the record to write. */
    public function done(array $req, array $a): array;
    /** Seconds until due() may have something to start. */
    public function wait(float $now): float;
    /** True when nothing more will be started. */
    public function finished(float $now): bool;
}

/** The answer to one request as it streams in: the first bytes of the body, its hash, the lab's headers. */
final class Capture {
    public string $body = '';
    public int $down = 0;
    public ?string $web = null;
    public ?int $webUs = null;
    public \HashContext $hash;

    public function __construct(public int $keep) { $this->hash = hash_init('xxh128'); }
}

/** Opens requests with the options every scenario shares. */
final class Http {
    public function __construct(public string $front, private string $ca, private int $timeoutMs,
        public string $run, private int $keep) {}

    /**
     * A curl handle for one request, its record so far and the capture of its answer. Every request
     * carries X-Lab-Run: <run>.<seq>, which HAProxy logs, so its timers join this record afterwards.
     */
    public function open(int $seq, string $kind, string $url, array $headers = [], array $opts = []): array {
        $cap = new Capture($this->keep);
        $h = curl_init($url);
        curl_setopt_array($h, $opts + [
            CURLOPT_CAINFO => $this->ca,
            CURLOPT_TIMEOUT_MS => $this->timeoutMs,
            CURLOPT_CONNECTTIMEOUT_MS => min($this->timeoutMs, 5000),
            CURLOPT_HTTPHEADER => [...$headers, "X-Lab-Run: {$this->run}.$seq"],
            // Which web node answered and how long it took (Apache's %D), on every answer, Nextcloud's too.
            CURLOPT_HEADERFUNCTION => static function ($h, string $line) use ($cap): int {
                if (preg_match('/^X-Lab-Web-Node:\s*(\S+)/i', $line, $m)) $cap->web = $m[1];
                elseif (preg_match('/^X-Lab-Web-Time:\s*D=(\d+)/i', $line, $m)) $cap->webUs = (int)$m[1];
                return strlen($line);
            },
            // Bodies are hashed as they arrive and kept only up to $keep bytes: a 64 MiB download
            // costs no memory.
            CURLOPT_WRITEFUNCTION => static function ($h, string $data) use ($cap): int {
                $n = strlen($data);
                $cap->down += $n;
                hash_update($cap->hash, $data);
                $room = $cap->keep - strlen($cap->body);
                if ($room > 0) $cap->body .= substr($data, 0, $room);
                return $n;
            },
        ]);
        return [$h, ['seq' => $seq, 'kind' => $kind, 't' => ms()], $cap];
    }
}

/** The first characters of an answer, on one line, for a record's err. */
function snippet(string $body, int $n = 160): string {
    return substr(trim((string)preg_replace('/\s+/', ' ', strip_tags($body))), 0, $n);
}

/** Totals the engine writes to the progress file about once a second, for the run's progress line. */
function write_progress(?string $file, array $p, bool $finished): void {
    if ($file === null) return;
    $r = getrusage();
    $p += ['t' => ms(), 'finished' => $finished,
        'cpuS' => round($r['ru_utime.tv_sec'] + $r['ru_stime.tv_sec'] + ($r['ru_utime.tv_usec'] + $r['ru_stime.tv_usec']) / 1e6, 3),
        'peakMiB' => round(memory_get_peak_usage(true) / 1048576, 1)];
    file_put_contents("$file.tmp", json_encode($p));
    rename("$file.tmp", $file);
}

/**
 * Runs a scenario until it is finished or the stop file exists (then no new request starts), and
 * every request in flight has answered. $multiplex false: one request per connection at a time, as
 * separate users' clients would, instead of every stream on one HTTP/2 connection.
 */
function run_engine(Scenario $s, $out, string $stop, ?string $progress, bool $multiplex): void {
    $mh = curl_multi_init();
    if (!$multiplex) curl_multi_setopt($mh, CURLMOPT_PIPELINING, CURLPIPE_NOTHING);
    $inflight = [];
    $p = ['t0' => ms(), 'done' => 0, 'failed' => 0, 'bytes' => 0];
    $halt = false;
    $nextStat = 0.0;
    $nextProgress = 0.0;
    while (true) {
        $now = microtime(true);
        if ($now >= $nextStat) { $halt = file_exists($stop); $nextStat = $now + 0.2; }
        if (!$halt) {
            foreach ($s->due($now) as [$h, $req, $cap]) {
                $inflight[(int)$h] = [$req, $cap];
                curl_multi_add_handle($mh, $h);
            }
        }
        curl_multi_exec($mh, $active);
        while ($info = curl_multi_info_read($mh)) {
            $h = $info['handle'];
            [$req, $cap] = $inflight[(int)$h];
            unset($inflight[(int)$h]);
            $req['end'] = ms();
            $req['ms'] = $req['end'] - $req['t'];
            $req['status'] = (int)curl_getinfo($h, CURLINFO_RESPONSE_CODE);
            $req['ok'] = false;
            if ($cap->web !== null) $req['web'] = $cap->web;
            if ($cap->webUs !== null) $req['webUs'] = $cap->webUs;
            $req['bytes'] = (int)curl_getinfo($h, CURLINFO_SIZE_UPLOAD_T) + $cap->down;
            $err = $info['result'] === CURLE_OK ? '' : curl_strerror($info['result']) . ': ' . curl_error($h);
            $rec = $s->done($req, ['status' => $req['status'], 'body' => $cap->body, 'sum' => hash_final($cap->hash), 'err' => $err]);
            // An answer's bytes in err may not be UTF-8: substitute, or json_encode would drop the record.
            fwrite($out, json_encode($rec, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) . "\n");
            fflush($out);
            $p['done']++;
            $p['failed'] += $rec['ok'] ? 0 : 1;
            $p['bytes'] += $rec['bytes'];
            curl_multi_remove_handle($mh, $h);
            curl_close($h);
        }
        if ($now >= $nextProgress) { write_progress($progress, $p, false); $nextProgress = $now + 1; }
        if (($halt || $s->finished($now)) && !$inflight) break;
        $wait = $halt ? 0.05 : max(0.0, min(0.05, $s->wait(microtime(true))));
        // curl_multi_select (curl_multi_wait) returns at once when no transfer has a socket to wait
        // on, e.g. every user thinking: sleep instead, or the loop spins a core between requests.
        if (!$inflight || curl_multi_select($mh, $wait) === -1) usleep((int)($wait * 1e6));
    }
    write_progress($progress, $p, true);
}
