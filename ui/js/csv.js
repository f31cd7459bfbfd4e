// CSV as Rocket.Chat's client writes it (apps/meteor/client/lib/download.ts, downloadCsvAs): every cell in
// double quotes with quotes doubled, ';' between cells, '\n' between rows, no trailing newline.

export function toCsv(rows) {
  return rows.map((row) => row.map((cell) => `"${String(cell).replace(/"/g, '""')}"`).join(';')).join('\n');
}

/** Offers `rows` as `<name>.csv` (text/csv; charset=utf-8). */
export function downloadCsv(rows, name) {
  const blob = new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name.replace(/[\\/:*?"<>|]+/g, '_')}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
