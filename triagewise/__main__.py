from triagewise.cli import main

main()
