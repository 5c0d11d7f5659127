{
  "targets": [
    {
      "target_name": "tierzero_crypto",
      "sources": ["aes_gmac_siv.c"],
      "cflags": ["-O3", "-Wall", "-Wextra", "-std=c11"],
      "defines": ["OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"]
    },
    {
      "target_name": "tierzero_tap",
      "conditions": [["OS=='linux'", { "sources": ["tap.c"] }]],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
