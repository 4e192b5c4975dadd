<?php
// GET /lab-probe/status.php: what the load balancer's health check reads when Nextcloud is not
// installed. 200 only when PHP runs, the DB answers through the router and the volume is mounted;
// otherwise 500 without the `"maintenance":false` the check looks for (like Nextcloud without its DB).
declare(strict_types=1);
require __DIR__ . '/lib.php';

$c = probe_config();
$db = timed(static fn () => db()->query('SELECT 1')->fetch_row()[0]);
$mounted = volume_mounted();
if ($db['ok'] && $mounted) {
    answer(200, ['installed' => false, 'maintenance' => false, 'probe' => true, 'web' => $c['node']]);
}
answer(500, ['probe' => true, 'web' => $c['node'], 'ok' => false, 'db_error' => $db['error'], 'volume_mounted' => $mounted]);
