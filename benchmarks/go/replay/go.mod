module gomapbench/replay

go 1.23
