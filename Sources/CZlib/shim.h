// zlib's stream API (inflate for GZIP pages), used only by PlazaParquet's page codecs.
#include <zlib.h>
