from opsconsole.sandbox.cli import main

main()
