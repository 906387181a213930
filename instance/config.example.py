# Copy to instance/config.py and adjust. Environment variables override nothing here;
# DATABASE_URL and SECRET_KEY from the environment are used when these are absent.
#
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://ktp:secret@127.0.0.1:5432/ktp"
# SESSION_COOKIE_SECURE = True        # behind HTTPS (production)
# EXPORT_MAX_ROWS = 10000             # cap on CSV/XLSX export rows
# BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"
# AUDIT_KEY = "..."                   # HMAC key of the audit chain (else instance/audit_key)
# AUDIT_ANCHOR_FILE = "/srv/ktp/audit_anchors.log"   # default instance/audit_anchors.log
# HSTS = "max-age=31536000; includeSubDomains"        # set by KTP_PRODUCTION=1
# TOTP_REQUIRED_FOR_OPERATORS = True  # second factor for the two operator roles too
# SESSION_ABSOLUTE_LIFETIME = timedelta(hours=10)   # needs: from datetime import timedelta
# LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"      # failed logins per account name
# LOGIN_LIMIT_PER_ADDRESS = "30 per 15 minutes; 200 per day"   # per client address
# RATELIMIT_STORAGE_URI = "memory://"  # per process; redis://host:6379 to share workers
# PUBLIC_BASE_URL = "https://ktp.dukcapil.sumbatimurkab.go.id"   # printed in every link/QR
# PUBLIC_STATUS_LIMIT = "20 per 10 minutes; 100 per day"   # public status checks per address
# PUBLIC_COMPLAINT_LIMIT = "5 per hour; 20 per day"        # public complaints per address
# PUBLIC_VERIFY_LIMIT = "30 per minute; 300 per day"       # receipt verifications per address
