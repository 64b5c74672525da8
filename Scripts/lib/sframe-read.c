/* sframe-read.c - binutils' own libsframe (Debian 12: binutils-dev 2.40, SFrame
 * version 1) as an independent reader of an .sframe section: prints every function
 * and row as libsframe decodes them, for the tests to compare with unwindcheck's.
 *
 *   sframe-read SECTION.bin
 *   F <index> <size> <rows>
 *   R <start> <cfa base: sp|fp> <cfa offset> <fp offset|u> <ra offset|u> <mangled 0|1>
 *
 * Build: cc -O2 sframe-read.c -o sframe-read -lsframe
 */
#include <sframe-api.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 2) { fprintf(stderr, "usage: sframe-read SECTION.bin\n"); return 2; }
	FILE *f = fopen(argv[1], "rb");
	if (!f) { perror(argv[1]); return 2; }
	static char buf[1 << 26];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	int err = 0;
	sframe_decoder_ctx *ctx = sframe_decode(buf, n, &err);
	if (!ctx) { fprintf(stderr, "sframe_decode: %s\n", sframe_errmsg(err)); return 1; }
	int fixed_ra = sframe_decoder_get_fixed_ra_offset(ctx);
	unsigned int count = sframe_decoder_get_num_fidx(ctx);
	for (unsigned int i = 0; i < count; i++) {
		uint32_t rows = 0, size = 0;
		int32_t start = 0;
		unsigned char info = 0;
		if (sframe_decoder_get_funcdesc(ctx, i, &rows, &size, &start, &info)) {
			fprintf(stderr, "function %u: unreadable\n", i);
			return 1;
		}
		printf("F %u %u %u\n", i, size, rows);
		for (uint32_t j = 0; j < rows; j++) {
			sframe_frame_row_entry fre;
			if (sframe_decoder_get_fre(ctx, i, j, &fre)) {
				fprintf(stderr, "function %u row %u: unreadable\n", i, j);
				return 1;
			}
			int e1 = 0, e2 = 0, e3 = 0, e4 = 0;
			unsigned int base = sframe_fre_get_base_reg_id(&fre, &e1);
			int32_t cfa = sframe_fre_get_cfa_offset(ctx, &fre, &e2);
			int32_t fp = sframe_fre_get_fp_offset(ctx, &fre, &e3);
			int32_t ra = sframe_fre_get_ra_offset(ctx, &fre, &e4);
			/* (2.40's RA accessor reports the AMD64 fixed offset as invalid: "u".) */
			printf("R %u %s %d ", fre.fre_start_addr, base == SFRAME_BASE_REG_SP ? "sp" : "fp", cfa);
			if (e3) printf("u "); else printf("%d ", fp);
			if (e4 || (fixed_ra != 0 && ra == fixed_ra)) printf("u "); else printf("%d ", ra);
			printf("%d\n", sframe_fre_get_ra_mangled_p(ctx, &fre, &e1) ? 1 : 0);
		}
	}
	sframe_decoder_free(&ctx);
	return 0;
}
