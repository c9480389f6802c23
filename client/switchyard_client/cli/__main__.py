from switchyard_client.cli.app import main

main()
