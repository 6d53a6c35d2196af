from helpspace_tui.cli import main

raise SystemExit(main())
