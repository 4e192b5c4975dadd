<?php
// A minimal valid .docx (Office Open XML, ECMA-376) written by hand: a zip of stored (uncompressed)
// entries, so the client needs no zip extension (php8.2-zip is not among its packages). Three parts
// are what Word and LibreOffice need: [Content_Types].xml, _rels/.rels and word/document.xml.
// `php docx.php TEXT` prints the document (tests read it).
declare(strict_types=1);

/** The .docx bytes of a document with one paragraph per line of $text. */
function lab_docx(string $text): string {
    $xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
    $paras = '';
    foreach (explode("\n", $text) as $line) {
        $paras .= '<w:p><w:r><w:t xml:space="preserve">' . htmlspecialchars($line, ENT_XML1 | ENT_QUOTES, 'UTF-8') . '</w:t></w:r></w:p>';
    }
    return lab_zip([
        '[Content_Types].xml' => $xml . '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            . '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            . '<Default Extension="xml" ContentType="application/xml"/>'
            . '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            . '</Types>',
        '_rels/.rels' => $xml . '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            . '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            . '</Relationships>',
        'word/document.xml' => $xml . '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            . "<w:body>$paras</w:body></w:document>",
    ]);
}

/**
 * A zip of stored entries (method 0), name => bytes, laid out as PKWARE's APPNOTE.TXT says: a local
 * header and the data per entry, then the central directory, then its end record.
 */
function lab_zip(array $files): string {
    // A fixed time stamp (2024-01-01 00:00, MS-DOS format): the same text gives the same bytes.
    $time = 0;
    $date = ((2024 - 1980) << 9) | (1 << 5) | 1;
    $data = '';
    $dir = '';
    foreach ($files as $name => $bytes) {
        $name = (string)$name;
        // version needed 2.0, no flags, method 0 (stored), time, date, crc-32, sizes, name length, no extra
        $head = pack('vvvvvVVVvv', 20, 0, 0, $time, $date, crc32($bytes), strlen($bytes), strlen($bytes), strlen($name), 0);
        // version made by 2.0, the same fields, no comment, disk 0, no attributes, the local header's offset
        $dir .= pack('Vv', 0x02014b50, 20) . $head . pack('vvvVV', 0, 0, 0, 0, strlen($data)) . $name;
        $data .= pack('V', 0x04034b50) . $head . $name . $bytes;
    }
    $n = count($files);
    return $data . $dir . pack('VvvvvVVv', 0x06054b50, 0, 0, $n, $n, strlen($dir), strlen($data), 0);
}

if (PHP_SAPI === 'cli' && realpath($_SERVER['SCRIPT_FILENAME'] ?? '') === __FILE__) {
    echo lab_docx((string)($argv[1] ?? 'Lab load test'));
}
