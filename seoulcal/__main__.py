from seoulcal.cli import main

raise SystemExit(main())
