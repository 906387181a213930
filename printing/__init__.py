"""Documents: HTML/CSS templates rendered to PDF by WeasyPrint, stored with sha256."""
