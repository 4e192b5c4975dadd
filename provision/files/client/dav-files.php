<?php
// After a drill: reads back every WebDAV file Nextcloud acknowledged, through the front, and prints one
// JSON object {"<path>": "<sha256>" | "locked" | null, ...} (null: not there; locked: Nextcloud answers
// 423). The drill compares each with the checksum of the body it PUT.
// Usage: php dav-files.php --dav=FILE --ca=/opt/lab/tls/ca.crt --list=FILE (one path under the root per line)
declare(strict_types=1);

$o = getopt('', ['dav:', 'ca:', 'list:']);
foreach (['dav', 'ca', 'list'] as $k) {
    if (!isset($o[$k])) { fwrite(STDERR, "dav-files.php: --$k is required\n"); exit(2); }
}
$dav = json_decode((string)file_get_contents((string)$o['dav']), true);
$paths = array_values(array_filter(array_map('trim', file((string)$o['list']) ?: [])));
$base = rtrim((string)$dav['base'], '/');
$out = [];
$errors = [];
// Four at a time: a few hundred small files read in seconds without loading the web nodes. A file that
// answers neither 200 nor 404 is read again, up to three times 3 s apart: right after a recovery one
// answer may still be a 503 or a timeout.
for ($try = 1, $todo = $paths; $todo && $try <= 3; $try++) {
    if ($try > 1) sleep(3);
    $errors = [];
    foreach (array_chunk($todo, 4) as $chunk) {
        $mh = curl_multi_init();
        $handles = [];
        foreach ($chunk as $path) {
            $h = curl_init("$base/$path");
            curl_setopt_array($h, [CURLOPT_USERPWD => $dav['user'] . ':' . $dav['password'], CURLOPT_RETURNTRANSFER => true,
                CURLOPT_CAINFO => $o['ca'], CURLOPT_TIMEOUT => 60]);
            curl_multi_add_handle($mh, $h);
            $handles[$path] = $h;
        }
        do {
            curl_multi_exec($mh, $active);
            if ($active) curl_multi_select($mh, 1.0);
        } while ($active);
        foreach ($handles as $path => $h) {
            $status = (int)curl_getinfo($h, CURLINFO_RESPONSE_CODE);
            if ($status === 200) $out[$path] = hash('sha256', (string)curl_multi_getcontent($h));
            elseif ($status === 404) $out[$path] = null;
            // Locked: the file is there, but Nextcloud refuses it to the user while a lock no live request
            // holds runs out (a stale lock: nothing else touches these files after the drill).
            elseif ($status === 423) $out[$path] = 'locked';
            else $errors[$path] = "$path: HTTP $status " . curl_error($h);
            curl_multi_remove_handle($mh, $h);
            curl_close($h);
        }
        curl_multi_close($mh);
    }
    // A 423 may be a lock a request still held a moment ago: read those again too.
    $todo = array_merge(array_keys($errors), array_keys(array_filter($out, fn($v) => $v === 'locked')));
}
// A 404 is a lost file; any other failure means the answer proves nothing, so the drill must not
// read it as "lost" or as "present": it exits non-zero and says why.
if ($errors) { fwrite(STDERR, implode("\n", array_slice(array_values($errors), 0, 10)) . "\n"); exit(1); }
echo json_encode((object)$out, JSON_UNESCAPED_SLASHES), "\n";
