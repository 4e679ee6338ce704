// Snappy's C API (snappy-c.h), used only by PlazaParquet's page codecs.
#include <snappy-c.h>
