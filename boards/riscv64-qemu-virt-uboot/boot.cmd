# Veridian boot script for U-Boot (S-mode) on QEMU virt.
# scripts/firmware/opensbi-uboot.sh compiles it with `mkimage -T script`
# into boot.scr on the FAT partition next to the kernel Image; U-Boot's
# distro boot finds boot.scr and sets devtype/devnum/distro_bootpart.
# booti checks the RISC-V Image header, moves the image to RAM base +
# text_offset (0x80200000) and enters it with a0 = hart id, a1 = the DTB.
echo "Veridian: loading Image from ${devtype} ${devnum}:${distro_bootpart}"
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} Image
booti ${kernel_addr_r} - ${fdtcontroladdr}
