"""Run every benchmark and print its table: `make bench`."""

from __future__ import annotations

import analyze_scale
import analyze_time
import load
import month_time
import quality
import scale
import store_write
import train_time

if __name__ == "__main__":
    train_time.main()
    analyze_time.main()
    analyze_scale.main()
    month_time.main()
    quality.main()
    load.main()
    scale.main()
    store_write.main()
