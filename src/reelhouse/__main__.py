from reelhouse.cli import main

main()
