from sla_monitor.entrypoints.cli import main

if __name__ == "__main__":
    main()
