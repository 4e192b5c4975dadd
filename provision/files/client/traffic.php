<?php
// The lab's traffic generator on the client node, one engine for the drills and the load test: it
// sends requests through the front address and writes one JSON line per request to --out. No request
// is ever retried. Runs until its scenario is finished (--duration s, or --iterations per user) or the
// --stop file exists; --progress gets running totals about once a second.
//   drill:    the open-loop probe mix of failure drills (traffic-drill.php), --rate requests a second,
//             with --dav=FILE also WebDAV PUTs and GETs as the admin.
//   transfer, activity: closed-loop virtual users (traffic-users.php), one per account of
//             --users=FILE ([{name, password}], Nextcloud accounts); after --duration s no user starts a
//             new iteration, and iterations already started finish (their clean-up included).
// Usage: php traffic.php --front=https://10.0.2.10 --ca=/opt/lab/tls/ca.crt --out=F --pid=F --stop=F
//        [--scenario=drill] [--duration=300] [--timeout=10] [--run=ID] [--progress=F]
//        drill: [--rate=10] [--dav=FILE]
//        transfer, activity: --users=FILE [--iterations=0] [--size=1048576] [--ramp=0] [--think=1] [--seed=1]
declare(strict_types=1);

require __DIR__ . '/traffic-lib.php';
require __DIR__ . '/traffic-drill.php';
require __DIR__ . '/traffic-users.php';

function usage(string $why): never { fwrite(STDERR, "traffic.php: $why\n"); exit(2); }

/** A JSON file the engine reads credentials from (never argv, which `ps` shows). */
function json_file(string $path): mixed { return json_decode((string)file_get_contents($path), true); }

$o = getopt('', ['front:', 'ca:', 'out:', 'pid:', 'stop:', 'scenario::', 'duration::', 'timeout::', 'run::',
    'progress::', 'rate::', 'dav::', 'users::', 'iterations::', 'size::', 'ramp::', 'think::', 'seed::']);
foreach (['front', 'ca', 'out', 'pid', 'stop'] as $k) if (!isset($o[$k])) usage("--$k is required");
$kind = (string)($o['scenario'] ?? 'drill');
$deadline = microtime(true) + (float)($o['duration'] ?? 300);
$run = (string)($o['run'] ?? bin2hex(random_bytes(4)));
$timeoutMs = (int)(1000 * (float)($o['timeout'] ?? 10));
// Drill answers are small and judged whole; load answers are hashed as they stream, 64 KiB kept.
$http = new Http(rtrim((string)$o['front'], '/'), (string)$o['ca'], $timeoutMs, $run, $kind === 'drill' ? 1 << 20 : 1 << 16);
file_put_contents((string)$o['pid'], (string)getmypid());

if ($kind === 'drill') {
    $dav = isset($o['dav']) ? json_file((string)$o['dav']) : null;
    if ($dav !== null && !(is_array($dav) && isset($dav['base'], $dav['user'], $dav['password']))) {
        usage('--dav must name a JSON file with base, user and password');
    }
    $scenario = new DrillMix($http, max(1.0, (float)($o['rate'] ?? 10)), $deadline, $dav);
} elseif ($kind === 'transfer' || $kind === 'activity') {
    $accounts = isset($o['users']) ? json_file((string)$o['users']) : null;
    if (!is_array($accounts) || !$accounts || !isset($accounts[0]['name'], $accounts[0]['password'])) {
        usage('--users must name a JSON file with a list of {name, password}');
    }
    $scenario = new Users($http, $kind, $accounts, [
        'iterations' => max(0, (int)($o['iterations'] ?? 0)),
        'size' => max(1, (int)($o['size'] ?? 1 << 20)),
        'ramp' => max(0.0, (float)($o['ramp'] ?? 0)),
        'think' => max(0.0, (float)($o['think'] ?? 1)),
        'seed' => (int)($o['seed'] ?? 1),
    ], $deadline);
} else {
    usage("--scenario must be drill, transfer or activity, not '$kind'");
}

$out = fopen((string)$o['out'], 'ab');
run_engine($scenario, $out, (string)$o['stop'], isset($o['progress']) ? (string)$o['progress'] : null, $kind === 'drill');
fclose($out);
