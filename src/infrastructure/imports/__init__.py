"""Reading uploaded import files (a roster CSV, a OneRoster zip) into the domain's records,
with bounds on everything an attacker controls: size, rows, columns, cells, zip members."""
