// TraceExport: a consumer of the session timeline that writes what other tools open:
// Perfetto traces (Perfetto/), Parquet files in LISA's layout (Parquet/) and an SQLite
// database (SQLite/). Every exporter reads the session through the public event API
// (`TraceSession.forEachEvent`), so guests are already on the host clock.
