module gomaptypeinfo

go 1.27
