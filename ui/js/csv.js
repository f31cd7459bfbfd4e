// CSV as Rocket.Chat's client writes it (apps/meteor/client/lib/download.ts, downloadCsvAs): every cell in
// double quotes with quotes doubled, ';' between cells, '\n' between rows, no trailing newline. Unlike
// Rocket.Chat's client, text that a spreadsheet would run as a formula (starting with =, +, -, @, TAB or CR)
// gets a leading ', as the server's format=csv writes it (src/reports/csv.rs); numbers stay numbers.

const FORMULA = /^[=+\-@\t\r]/;

/** A cell's text: `cell` as a string, with a leading ' when it is text that starts a formula. */
function cellText(cell) {
  const text = String(cell);
  return typeof cell === 'string' && FORMULA.test(text) ? `'${text}` : text;
}

export function toCsv(rows) {
  return rows.map((row) => row.map((cell) => `"${cellText(cell).replace(/"/g, '""')}"`).join(';')).join('\n');
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
