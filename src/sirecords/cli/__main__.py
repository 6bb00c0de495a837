from sirecords.cli.main import main

main()
