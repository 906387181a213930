"""Demo data, outside the domain: it calls domain operations only, on a simulated
clock (`models.office_time.simulated`).

- generate.py: `generate()` for `flask demo-data`: staff, residents, the history
- people.py: staff identities, Sumba names, households, valid NIK and KK numbers
- history.py: the office's last weeks replayed event by event in office hours
- files.py: placeholder KK scans, pass photos and signatures
"""
