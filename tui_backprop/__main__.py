from tui_backprop.cli import main

raise SystemExit(main())
